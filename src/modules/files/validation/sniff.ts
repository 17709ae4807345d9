import { unsupported, type FileRejectedError } from './file-rejected.error.js';

export const MIME = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  text: 'text/plain',
  csv: 'text/csv',
  markdown: 'text/markdown',
} as const;

export const EXTENSIONS: Readonly<Record<string, string>> = {
  [MIME.jpeg]: 'jpg',
  [MIME.png]: 'png',
  [MIME.gif]: 'gif',
  [MIME.webp]: 'webp',
  [MIME.pdf]: 'pdf',
  [MIME.zip]: 'zip',
  [MIME.docx]: 'docx',
  [MIME.xlsx]: 'xlsx',
  [MIME.text]: 'txt',
  [MIME.csv]: 'csv',
  [MIME.markdown]: 'md',
};

/** How many leading bytes are buffered before the format is decided. */
export const HEAD_SIZE = 4096;

export type Format = 'image' | 'pdf' | 'zip' | 'text';

export interface Sniffed {
  format: Format;
  /** Final type; for `zip` a provisional `application/zip` refined from entry names at the end. */
  mimeType: string;
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const EXECUTABLE_MAGICS: readonly Buffer[] = [
  Buffer.from('MZ', 'latin1'),
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]),
  Buffer.from('#!', 'latin1'),
];

const startsWith = (buf: Buffer, sig: Buffer, offset = 0): boolean =>
  buf.length >= offset + sig.length && buf.subarray(offset, offset + sig.length).equals(sig);

const ascii = (buf: Buffer, start: number, end: number): string =>
  buf.subarray(start, end).toString('latin1');

/** Executables and scripts are refused from their first bytes, whatever else they claim to be. */
export function isExecutable(head: Buffer): boolean {
  return EXECUTABLE_MAGICS.some((magic) => startsWith(head, magic));
}

/** Decides the format from the buffered head; `complete` means the head is the whole file. */
export function sniffHead(head: Buffer, complete: boolean, declaredType: string): Sniffed {
  if (isExecutable(head)) throw unsupported('executable content is not allowed', 'executable');
  if (startsWith(head, Buffer.from([0xff, 0xd8, 0xff])))
    return { format: 'image', mimeType: MIME.jpeg };
  if (startsWith(head, PNG_SIG)) return { format: 'image', mimeType: MIME.png };
  const six = ascii(head, 0, 6);
  if (six === 'GIF87a' || six === 'GIF89a') return { format: 'image', mimeType: MIME.gif };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') {
    return { format: 'image', mimeType: MIME.webp };
  }
  if (ascii(head, 0, 5) === '%PDF-') return { format: 'pdf', mimeType: MIME.pdf };
  const four = ascii(head, 0, 4);
  if (four === 'PK\x03\x04' || four === 'PK\x05\x06') return { format: 'zip', mimeType: MIME.zip };
  if (looksLikeText(head, complete)) {
    if (looksLikeSvg(head)) {
      throw unsupported('SVG images are not allowed (active content)', 'svg');
    }
    return { format: 'text', mimeType: textSubtype(declaredType) };
  }
  throw unsupported('file type is not recognised', 'unknown_type');
}

function textSubtype(declaredType: string): string {
  if (declaredType === MIME.csv) return MIME.csv;
  if (declaredType === MIME.markdown || declaredType === 'text/x-markdown') return MIME.markdown;
  return MIME.text;
}

function looksLikeText(head: Buffer, complete: boolean): boolean {
  const validator = new TextValidator();
  return validator.write(head) === undefined && (!complete || validator.end() === undefined);
}

function looksLikeSvg(head: Buffer): boolean {
  const start = head
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart();
  return /^<(\?xml|svg|!doctype\s+svg|!--)/i.test(start) && /<svg[\s>]/i.test(start);
}

// C0 controls other than \t \n \f \r.
// eslint-disable-next-line no-control-regex -- matching control bytes is the point
const FORBIDDEN_CONTROL = /[\x00-\x08\x0B\x0E-\x1F]/;

/** Incremental UTF-8 + control-character check; sequences may be split across chunks. */
export class TextValidator {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  write(chunk: Buffer): FileRejectedError | undefined {
    return this.check(() => this.decoder.decode(chunk, { stream: true }));
  }

  end(): FileRejectedError | undefined {
    return this.check(() => this.decoder.decode());
  }

  private check(decode: () => string): FileRejectedError | undefined {
    let text: string;
    try {
      text = decode();
    } catch {
      return unsupported('content is not valid UTF-8 text', 'invalid_text');
    }
    return FORBIDDEN_CONTROL.test(text)
      ? unsupported('text contains binary control characters', 'invalid_text')
      : undefined;
  }
}

/** Rejects when `declared` (if meaningful) names a different top-level family than the content. */
export function checkDeclaredFamily(
  declared: string,
  sniffed: string,
): FileRejectedError | undefined {
  if (declared === '' || declared === 'application/octet-stream') return undefined;
  const family = (type: string) => type.split('/')[0];
  return family(declared) === family(sniffed)
    ? undefined
    : unsupported('content does not match the declared type', 'type_mismatch');
}

export function checkAllowed(
  mimeType: string,
  allowed: readonly string[],
): FileRejectedError | undefined {
  return allowed.includes(mimeType)
    ? undefined
    : unsupported(`files of type ${mimeType} are not allowed here`, 'type_not_allowed');
}

export function normaliseDeclared(declared: string | undefined): string {
  return (declared ?? '').split(';')[0].trim().toLowerCase();
}
