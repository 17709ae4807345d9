import { describe, expect, it } from 'vitest';
import { AppException } from '../errors/app.exception.js';
import { decodeCursor, encodeCursor, isTimestampKey } from './cursor.js';

const id = '5b0c6f1e-8d2a-4c3b-9f1e-2a3b4c5d6e7f';

function expectInvalid(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).code).toBe('VALIDATION_FAILED');
    expect((error as AppException).status).toBe(400);
    return;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('cursor', () => {
  it('round-trips a keyset through an opaque base64url string', () => {
    const keyset = { sort: '-createdAt', key: '2026-01-02T03:04:05.123456Z', id };
    const cursor = encodeCursor(keyset);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(id);
    expect(decodeCursor(cursor, '-createdAt', isTimestampKey)).toEqual(keyset);
  });

  it('keeps unicode keys intact', () => {
    const keyset = { sort: 'email', key: 'zoë+ü@example.com', id };
    expect(decodeCursor(encodeCursor(keyset), 'email')).toEqual(keyset);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%'],
    ['padded', `${encodeCursor({ sort: 'email', key: 'a', id })}=`],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    [
      'an object',
      Buffer.from(JSON.stringify({ sort: 'email', key: 'a', id })).toString('base64url'),
    ],
    ['too few parts', Buffer.from(JSON.stringify(['email', 'a'])).toString('base64url')],
    ['a non-string part', Buffer.from(JSON.stringify(['email', 1, id])).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify(['email', 'a', 'not-a-uuid'])).toString('base64url')],
    ['too long', 'A'.repeat(501)],
    [
      'a NUL in the key',
      Buffer.from(JSON.stringify(['email', 'a\u0000b', id])).toString('base64url'),
    ],
    [
      'a lone surrogate in the key',
      Buffer.from(JSON.stringify(['email', '\ud800', id])).toString('base64url'),
    ],
  ])('rejects %s', (_label, cursor) => {
    expectInvalid(() => decodeCursor(cursor, 'email'));
  });

  it('rejects a cursor issued for another sort', () => {
    const cursor = encodeCursor({ sort: 'email', key: 'a@example.com', id });
    expectInvalid(() => decodeCursor(cursor, '-email'));
  });

  it('rejects a key of the wrong shape', () => {
    const cursor = encodeCursor({ sort: 'createdAt', key: 'yesterday', id });
    expectInvalid(() => decodeCursor(cursor, 'createdAt', isTimestampKey));
  });

  it('rejects a non-canonical encoding (changed trailing bits)', () => {
    // 44 bytes of JSON: the last base64url character carries 2 unused bits, so 3 other
    // characters decode to the very same bytes.
    const cursor = encodeCursor({ sort: 'email', key: 'ab', id });
    expect(Buffer.from(cursor, 'base64url').length % 3).toBe(2);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = [...alphabet]
      .map((c) => cursor.slice(0, -1) + c)
      .filter(
        (other) =>
          other !== cursor &&
          Buffer.from(other, 'base64url').equals(Buffer.from(cursor, 'base64url')),
      );
    expect(sameBytes).toHaveLength(3);
    expect(decodeCursor(cursor, 'email')).toMatchObject({ key: 'ab' });
    for (const other of sameBytes) expectInvalid(() => decodeCursor(other, 'email'));
  });
});
