import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import * as files from '../../../../test/factories/hostile-files.js';
import { ContentInspector, KNOWN_TYPES, type InspectionPolicy } from './content-inspector.js';
import { FileRejectedError } from './file-rejected.error.js';

const MB = 1024 * 1024;
const CHUNK_SIZES = [1, 7, 64 * 1024];

const policy = (overrides: Partial<InspectionPolicy> = {}): InspectionPolicy => ({
  allowedTypes: KNOWN_TYPES,
  maxBytes: 10 * MB,
  zip: { maxRatio: 100, maxUncompressedBytes: 50 * MB, maxEntries: 100 },
  ...overrides,
});

async function inspect(
  buffer: Buffer,
  options: { policy?: InspectionPolicy; declared?: string; chunk?: number } = {},
) {
  const inspector = new ContentInspector(options.policy ?? policy(), options.declared);
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  await pipeline(files.chunked(buffer, options.chunk ?? 64 * 1024), inspector, sink);
  return { result: inspector.result(), output: Buffer.concat(received) };
}

const rejection = (code: string, reasonCode: string) =>
  expect.objectContaining({ name: 'FileRejectedError', code, reasonCode });

const text = (s: string) => Buffer.from(s, 'utf8');
const filler = (n: number) => 'lorem ipsum '.repeat(Math.ceil(n / 12)).slice(0, n);

describe('ContentInspector: accepted files', () => {
  const cases: [string, () => Promise<Buffer>, string, string, string?][] = [
    ['png', files.tinyPng, 'image/png', 'png'],
    ['jpeg', files.tinyJpeg, 'image/jpeg', 'jpg'],
    ['gif', files.tinyGif, 'image/gif', 'gif'],
    ['webp', files.tinyWebp, 'image/webp', 'webp'],
    ['jpeg with GPS EXIF', files.jpegWithGps, 'image/jpeg', 'jpg', 'image/jpeg'],
    ['pdf', files.pdf, 'application/pdf', 'pdf', 'application/pdf'],
    ['text', files.textFile, 'text/plain', 'txt', 'text/plain; charset=utf-8'],
    ['csv', files.csvFile, 'text/csv', 'csv', 'text/csv'],
  ];

  for (const chunk of CHUNK_SIZES) {
    it.each(cases)(`%s in ${chunk}-byte chunks`, async (_name, make, mimeType, ext, declared) => {
      const input = await make();
      const { result, output } = await inspect(input, { chunk, declared });
      expect(result).toEqual({
        mimeType,
        extension: ext,
        size: input.length,
        sha256: createHash('sha256').update(input).digest('hex'),
      });
      expect(output.equals(input)).toBe(true);
    });
  }

  it('really embeds GPS data in the jpegWithGps sample', async () => {
    const sharp = (await import('sharp')).default;
    const meta = await sharp(await files.jpegWithGps()).metadata();
    const exif = meta.exif ?? Buffer.alloc(0);
    // GPS IFD pointer tag 0x8825, in either byte order.
    const gpsTag = [Buffer.from([0x88, 0x25]), Buffer.from([0x25, 0x88])];
    expect(gpsTag.some((tag) => exif.includes(tag))).toBe(true);
  });

  it('reports markdown when declared so and the content is text', async () => {
    const { result } = await inspect(text('# Title\n\n* item\n'), { declared: 'text/markdown' });
    expect(result).toMatchObject({ mimeType: 'text/markdown', extension: 'md' });
  });

  it('ignores an application/octet-stream or missing declared type', async () => {
    const png = await files.tinyPng();
    await expect(inspect(png, { declared: 'application/octet-stream' })).resolves.toBeTruthy();
    await expect(inspect(png, { declared: '' })).resolves.toBeTruthy();
  });

  it('accepts text with form feeds and a file of exactly maxBytes', async () => {
    const body = text(`page one\fpage two\n${filler(500)}`);
    await expect(
      inspect(body, { policy: policy({ maxBytes: body.length }) }),
    ).resolves.toBeTruthy();
  });

  it('accepts a PDF whose #xx escapes decode to harmless names', async () => {
    for (const chunk of CHUNK_SIZES) {
      await expect(inspect(await files.pdfWithHarmlessEscapes(), { chunk })).resolves.toBeTruthy();
    }
  });

  it('does not mistake /JSON or /JSObject names for JavaScript in a PDF', async () => {
    const pdf = Buffer.concat([await files.pdf(), text('% /JSON /JSObject\n')]);
    await expect(inspect(pdf)).resolves.toBeTruthy();
  });

  it('lists every recognisable type', () => {
    expect([...KNOWN_TYPES].sort()).toEqual(
      [
        'image/jpeg',
        'image/png',
        'image/gif',
        'image/webp',
        'application/pdf',
        'application/zip',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'text/plain',
        'text/csv',
        'text/markdown',
      ].sort(),
    );
  });
});

describe('ContentInspector: type policy', () => {
  it('refuses a type outside allowedTypes', async () => {
    await expect(
      inspect(await files.tinyPng(), { policy: policy({ allowedTypes: ['image/jpeg'] }) }),
    ).rejects.toEqual(rejection('UNSUPPORTED_MEDIA_TYPE', 'type_not_allowed'));
  });

  it('refuses csv when only text/plain is allowed', async () => {
    await expect(
      inspect(await files.csvFile(), {
        declared: 'text/csv',
        policy: policy({ allowedTypes: ['text/plain'] }),
      }),
    ).rejects.toEqual(rejection('UNSUPPORTED_MEDIA_TYPE', 'type_not_allowed'));
  });

  it.each([
    ['png declared as pdf', files.tinyPng, 'application/pdf'],
    ['pdf declared as jpeg', files.pdf, 'image/jpeg'],
    ['text declared as png', files.textFile, 'image/png'],
    ['jpeg declared as text', files.tinyJpeg, 'text/plain'],
  ])('refuses %s', async (_name, make, declared) => {
    await expect(inspect(await make(), { declared })).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'type_mismatch'),
    );
  });

  it('refuses unrecognised binary content', async () => {
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    await expect(inspect(random)).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'unknown_type'),
    );
  });

  it('refuses an empty file', async () => {
    await expect(inspect(await files.emptyFile())).rejects.toEqual(
      rejection('VALIDATION_FAILED', 'empty'),
    );
    await expect(inspect(await files.emptyFile())).rejects.toMatchObject({
      reason: 'file is empty',
    });
  });
});

describe('ContentInspector: size limit', () => {
  it('refuses limit+1 bytes with PAYLOAD_TOO_LARGE', async () => {
    const limit = 100_000;
    const error = await inspect(await files.oversize(limit), {
      policy: policy({ maxBytes: limit }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileRejectedError);
    expect(error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: `file exceeds ${limit} bytes`,
    });
  });

  it('fails as soon as the limit is passed, without waiting for the end', async () => {
    const png = await files.tinyPng();
    let produced = 0;
    const endless = new Readable({
      read() {
        const chunk = produced === 0 ? png : Buffer.alloc(16 * 1024);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(
      pipeline(endless, new ContentInspector(policy({ maxBytes: MB })), sink),
    ).rejects.toEqual(rejection('PAYLOAD_TOO_LARGE', 'too_large'));
    // Past the limit, only what the streams' buffers hold ahead was produced (their default
    // highWaterMark is 16 KiB on Node 20 and 64 KiB on Node 22+); an endless source proves no wait.
    expect(produced).toBeLessThan(MB + 256 * 1024);
  });
});

describe('ContentInspector: executables and scripts', () => {
  const executables: [string, () => Promise<Buffer>, string?][] = [
    ['PE disguised as png', files.exeAsPng, 'image/png'],
    ['ELF', files.elf],
    ['Mach-O', files.machO],
    ['fat Mach-O', async () => Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 1, 2])],
    ['shebang script', files.shebangScript, 'text/plain'],
  ];
  for (const chunk of CHUNK_SIZES) {
    it.each(executables)(`refuses %s (${chunk}-byte chunks)`, async (_name, make, declared) => {
      await expect(inspect(await make(), { chunk, declared })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'executable'),
      );
    });

    it(`refuses PHP in a JPEG comment (${chunk}-byte chunks)`, async () => {
      await expect(inspect(await files.phpInJpegComment(), { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'script'),
      );
    });

    it(`finds <?PHP split across chunks far past the head (${chunk}-byte chunks)`, async () => {
      const body = text(`${filler(4093 + 20_000)}<?PHP echo 1; ?>\n`);
      await expect(inspect(body, { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'script'),
      );
    });
  }

  it('refuses short PHP tags in text', async () => {
    await expect(inspect(text(`${filler(5000)}<?= $x ?>`), { chunk: 7 })).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'script'),
    );
  });
});

describe('ContentInspector: markup', () => {
  it.each(CHUNK_SIZES)('refuses SVG with script as svg (%i-byte chunks)', async (chunk) => {
    await expect(inspect(await files.svgWithScript(), { chunk })).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'svg'),
    );
  });

  it('refuses even a script-free SVG', async () => {
    const svg = text('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>');
    await expect(inspect(svg, { declared: 'image/svg+xml' })).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'svg'),
    );
  });

  it.each([
    ['an HTML page', files.htmlPage],
    ['late <ScRiPt>', async () => text(`${filler(9000)}<ScRiPt>alert(1)</script>`)],
    ['an iframe', async () => text('see <iframe src="//evil">')],
    ['a javascript: URL', async () => text('[click](JavaScript:alert(1))')],
    ['an onerror handler', async () => text('<img src=x onerror = "alert(1)">')],
    ['an onload handler', async () => text('<body onload=alert(1)>')],
    ['a doctype', async () => text('<!DOCTYPE  html>')],
    ['an embedded svg', async () => text(`notes\n${filler(5000)}<svg onload=x>`)],
  ])('refuses %s in text', async (_name, make) => {
    for (const chunk of CHUNK_SIZES) {
      await expect(inspect(await make(), { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'markup'),
      );
    }
  });

  it('keeps words like "online=" and "session=" in text', async () => {
    await expect(inspect(text('online=true\nsession=1\nconnect=1\n'))).resolves.toBeTruthy();
  });
});

describe('ContentInspector: polyglots and active PDFs', () => {
  it.each([
    ['a JPEG with a ZIP appended', files.polyglotJpegZip],
    [
      'a GIF with a ZIP appended (GIFAR)',
      async () => Buffer.concat([await files.tinyGif(), await files.zipOf([{ name: 'A.class' }])]),
    ],
    [
      'a PNG carrying an empty-archive record',
      async () => Buffer.concat([await files.tinyPng(), Buffer.from('PK\x05\x06', 'latin1')]),
    ],
    [
      'a WebP with a script tag',
      async () => Buffer.concat([await files.tinyWebp(), text('<script>x</script>')]),
    ],
  ])('refuses %s', async (_name, make) => {
    for (const chunk of CHUNK_SIZES) {
      await expect(inspect(await make(), { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'polyglot'),
      );
    }
  });

  const escaped = Object.keys(files.ESCAPED_PDF_ACTIONS) as Array<
    keyof typeof files.ESCAPED_PDF_ACTIONS
  >;
  it.each<[string, () => Promise<Buffer>]>([
    ['JavaScript', files.pdfWithJavascript],
    ['a Launch action', async () => text('%PDF-1.4\n1 0 obj << /S /Launch /F (cmd.exe) >>')],
    ['a trailing /JS token', async () => text('%PDF-1.4\n1 0 obj << /JS')],
    ...escaped.map((variant): [string, () => Promise<Buffer>] => [
      `names hidden with #xx escapes (${variant})`,
      files.pdfWithEscapedNames(variant),
    ]),
  ])('refuses a PDF with %s', async (_name, make) => {
    for (const chunk of CHUNK_SIZES) {
      await expect(inspect(await make(), { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'pdf_active_content'),
      );
    }
  });
});

describe('ContentInspector: text validation', () => {
  it.each([
    ['a NUL byte', Buffer.from([0])],
    ['an escape character', text('\x1b[31m')],
    ['invalid UTF-8', Buffer.from([0xc3, 0x28])],
    ['a truncated UTF-8 sequence at the end', Buffer.from([0xe2, 0x82])],
  ])('refuses %s after the head as invalid text', async (_name, bad) => {
    const body = Buffer.concat([text(filler(6000)), bad]);
    for (const chunk of CHUNK_SIZES) {
      await expect(inspect(body, { chunk })).rejects.toEqual(
        rejection('UNSUPPORTED_MEDIA_TYPE', 'invalid_text'),
      );
    }
  });

  it.each([
    ['a NUL byte', Buffer.from([0])],
    ['an escape character', text('\x1b[31m')],
    ['a truncated UTF-8 sequence at the end', Buffer.from([0xe2, 0x82])],
  ])('does not recognise short text with %s', async (_name, bad) => {
    const body = Buffer.concat([text('colour red'), bad]);
    await expect(inspect(body, { chunk: 1 })).rejects.toEqual(
      rejection('UNSUPPORTED_MEDIA_TYPE', 'unknown_type'),
    );
  });

  it('accepts multi-byte characters split at every position', async () => {
    const body = text(`${'€😀报'.repeat(2000)}\n`);
    for (const chunk of [1, 2, 3, 5]) {
      await expect(inspect(body, { chunk })).resolves.toBeTruthy();
    }
  });
});

describe('ContentInspector: streaming', () => {
  it('passes data downstream before the source is done, without holding it', async () => {
    const total = 50 * MB;
    const line = Buffer.from(`${filler(1023)}\n`);
    const block = Buffer.concat(Array.from({ length: 64 }, () => line));
    let produced = 0;
    let producedAtFirstOutput = -1;
    let received = 0;
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        produced += block.length;
        this.push(block);
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (producedAtFirstOutput < 0) producedAtFirstOutput = produced;
        received += chunk.length;
        callback();
      },
    });
    const inspector = new ContentInspector(policy({ maxBytes: 60 * MB }));
    await pipeline(source, inspector, sink);
    expect(producedAtFirstOutput).toBeGreaterThan(0);
    expect(producedAtFirstOutput).toBeLessThan(MB);
    expect(received).toBe(total);
    expect(inspector.result()).toMatchObject({ mimeType: 'text/plain', size: total });
  });

  it('result() throws until the stream finished successfully', async () => {
    const inspector = new ContentInspector(policy());
    expect(() => inspector.result()).toThrow();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(
      pipeline(files.chunked(await files.elf(), 7), inspector, sink),
    ).rejects.toBeInstanceOf(FileRejectedError);
    expect(() => inspector.result()).toThrow();
  });
});
