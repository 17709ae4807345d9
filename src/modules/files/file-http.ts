import type { ByteRange } from './storage/storage.driver.js';

/** Types a browser may render inline without risk: raster images only (never SVG or HTML). */
export const INLINE_SAFE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export const etagOf = (sha256: string): string => `"${sha256}"`;

/** RFC 9110 weak comparison against an If-None-Match list (or `*`). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * One `bytes=` range of a `size`-byte object (RFC 9110 §14.1.2, §14.2). `undefined`: serve the
 * whole object (no header, a syntax we ignore, another unit, several ranges); `'unsatisfiable'`:
 * answer 416 (first-pos at or past the end, last-pos below first-pos, a zero-length suffix).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  // The unit is case-insensitive; empty list elements (`bytes=0-1,`) must be accepted.
  const unit = /^\s*bytes\s*=/i.exec(header);
  if (!unit) return undefined;
  const specs = header
    .slice(unit[0].length)
    .split(',')
    .map((spec) => spec.trim())
    .filter(Boolean);
  if (specs.length !== 1) return undefined;
  const match = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? undefined : Number(match[2]);
  if (last !== undefined && last < start) return 'unsatisfiable';
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  return { start, end: last === undefined ? size - 1 : Math.min(last, size - 1) };
}

/** `inline` for safe images, else `attachment`; the name in ASCII and in RFC 5987 UTF-8. */
export function contentDisposition(name: string, mimeType: string): string {
  const type = INLINE_SAFE_TYPES.has(mimeType) ? 'inline' : 'attachment';
  const ascii =
    name
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\%]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
