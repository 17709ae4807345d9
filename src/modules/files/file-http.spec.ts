import { describe, expect, it } from 'vitest';
import { contentDisposition, etagOf, matchesIfNoneMatch, parseRange } from './file-http.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-3', { start: 0, end: 3 }],
    ['bytes=5-', { start: 5, end: 9 }],
    ['bytes=-4', { start: 6, end: 9 }],
    ['bytes=-40', { start: 0, end: 9 }],
    ['bytes=8-100', { start: 8, end: 9 }],
    ['bytes=9-9', { start: 9, end: 9 }],
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=-99999999999999999999', { start: 0, end: 9 }],
    ['bytes=2-99999999999999999999', { start: 2, end: 9 }],
    // The range unit is case-insensitive; list syntax allows OWS and empty elements.
    ['Bytes=1-2', { start: 1, end: 2 }],
    ['BYTES=1-2', { start: 1, end: 2 }],
    [' bytes = 1-2 ', { start: 1, end: 2 }],
    ['bytes=1-2,', { start: 1, end: 2 }],
    ['bytes=, 1-2', { start: 1, end: 2 }],
  ])('%s of 10 bytes', (header, range) => {
    expect(parseRange(header, 10)).toEqual(range);
  });

  it.each([
    'bytes=10-',
    'bytes=10-12',
    'bytes=-0',
    'bytes=99999999999999999999-',
    // last-pos below first-pos (RFC 9110 §14.1.1): rejected, not ignored.
    'bytes=5-2',
    'bytes=1-0',
    'bytes=9-8',
    'bytes=20-3',
    'Bytes=5-2',
  ])('%s of 10 bytes is unsatisfiable', (h) => {
    expect(parseRange(h, 10)).toBe('unsatisfiable');
  });

  it('bytes=0- and bytes=-1 of an empty object are unsatisfiable', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });

  // Syntactically invalid headers and other units are ignored (the whole file, 200); several
  // ranges are served as the whole file too.
  it.each([
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=,',
    'items=0-1',
    'bytesx=0-1',
    'bytes 0-1',
    'bytes=0-1,3-4',
    'bytes=5-2,7-8',
    'bytes=a-b',
    'bytes=1-2-3',
    'bytes=+1-2',
    'bytes=-+2',
    'bytes=1.5-2',
    'bytes=0x1-2',
    'bytes=1 -2',
    'bytes=--1',
  ])('%s means the whole file', (header) => {
    expect(parseRange(header, 10)).toBeUndefined();
  });
});

describe('matchesIfNoneMatch', () => {
  const etag = etagOf('abc');
  it('matches exact, weak, listed and * tags', () => {
    expect(matchesIfNoneMatch('"abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('W/"abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('"x", "abc"', etag)).toBe(true);
    expect(matchesIfNoneMatch('*', etag)).toBe(true);
  });
  it('does not match others or nothing', () => {
    expect(matchesIfNoneMatch('"abd"', etag)).toBe(false);
    expect(matchesIfNoneMatch('abc', etag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, etag)).toBe(false);
  });
});

describe('contentDisposition', () => {
  it('is inline only for raster images', () => {
    expect(contentDisposition('a.png', 'image/png')).toMatch(/^inline; /);
    expect(contentDisposition('a.svg', 'image/svg+xml')).toMatch(/^attachment; /);
    expect(contentDisposition('a.pdf', 'application/pdf')).toMatch(/^attachment; /);
    expect(contentDisposition('a.html', 'text/html')).toMatch(/^attachment; /);
  });
  it('gives an ASCII fallback and the UTF-8 name, with nothing that breaks the header', () => {
    expect(contentDisposition('résumé "1".pdf', 'application/pdf')).toBe(
      `attachment; filename="resume _1_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf`,
    );
    expect(contentDisposition('报告.pdf', 'application/pdf')).toBe(
      `attachment; filename=".pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`,
    );
    expect(contentDisposition('a\r\nSet-Cookie: x', 'text/plain')).not.toMatch(/[\r\n]/);
  });
});
