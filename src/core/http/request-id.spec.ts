import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { genReqId, REQUEST_ID_HEADER, resolveRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  it.each(['abc', 'a', 'client-req.42_A', '123e4567-e89b-12d3-a456-426614174000', 'x'.repeat(128)])(
    'keeps the well-formed id %s',
    (id) => {
      expect(resolveRequestId(id)).toBe(id);
    },
  );

  it.each([
    ['129 characters', 'x'.repeat(129)],
    ['spaces', 'has spaces'],
    ['a leading space', ' abc'],
    ['a trailing newline', 'abc\n'],
    ['unicode', 'réquête'],
    ['an emoji', 'id-🙂'],
    ['a slash', 'a/b'],
    ['header injection', 'abc\r\nset-cookie: x=1'],
    ['an empty string', ''],
  ])('replaces an id with %s by a new UUID', (_label, id) => {
    const resolved = resolveRequestId(id);
    expect(resolved).toMatch(UUID);
    expect(resolved).not.toBe(id);
  });

  it('replaces an array (repeated header) by a new UUID', () => {
    expect(resolveRequestId(['a', 'b'])).toMatch(UUID);
  });

  it('makes a UUID when there is no header, a different one each time', () => {
    const a = resolveRequestId(undefined);
    const b = resolveRequestId(undefined);
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });
});

describe('genReqId', () => {
  const raw = (headers: Record<string, string | string[]>) =>
    ({ headers }) as unknown as IncomingMessage & { id?: string };

  it('uses a valid incoming header and stores it on the raw request', () => {
    const req = raw({ [REQUEST_ID_HEADER]: 'from-client' });
    expect(genReqId(req)).toBe('from-client');
    expect(req.id).toBe('from-client');
  });

  it('generates an id for an invalid header and keeps it stable on later calls', () => {
    const req = raw({ [REQUEST_ID_HEADER]: 'not valid' });
    const first = genReqId(req);
    expect(first).toMatch(UUID);
    expect(genReqId(req)).toBe(first);
  });

  it('keeps an id already set on the raw request', () => {
    const req = raw({ [REQUEST_ID_HEADER]: 'header-id' });
    req.id = 'existing';
    expect(genReqId(req)).toBe('existing');
  });
});
