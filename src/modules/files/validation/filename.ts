const MAX_BYTES = 255;

// C0, DEL, C1 controls and bidi embeddings/overrides/isolates (used to disguise extensions).
// eslint-disable-next-line no-control-regex -- matching control bytes is the point
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const WINDOWS_INVALID = /[<>:"|?*]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A filename safe to store and to echo in Content-Disposition: basename only, no controls or
 * bidi tricks, no Windows-invalid characters, at most 255 UTF-8 bytes, always with an extension.
 */
export function sanitizeFilename(raw: string | undefined, extension: string): string {
  const base = (raw ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(UNSAFE, '')
    .replace(LONE_SURROGATE, '')
    .replace(WINDOWS_INVALID, '_')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
  if (cleaned === '') return `file.${extension}`;
  const dot = cleaned.lastIndexOf('.');
  const [stem, ext] =
    dot > 0 ? [cleaned.slice(0, dot), cleaned.slice(dot + 1)] : [cleaned, extension];
  const suffix = `.${truncateUtf8(ext, 32)}`;
  const room = MAX_BYTES - Buffer.byteLength(suffix);
  const trimmedStem = truncateUtf8(stem, room).replace(/[\s.]+$/, '');
  return `${trimmedStem === '' ? 'file' : trimmedStem}${suffix}`;
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a code point. */
function truncateUtf8(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value) <= maxBytes) return value;
  let bytes = 0;
  let out = '';
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}
