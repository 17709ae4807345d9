import { describe, expect, it } from 'vitest';
import { parseRateLimit } from './duration.js';
import { RATE_LIMIT_PATTERN } from './env.schema.js';

describe('parseRateLimit', () => {
  it.each([
    ['100/1m', 100, 60_000],
    ['5/30s', 5, 30_000],
    ['3/1h', 3, 3_600_000],
    ['10/500ms', 10, 500],
    ['0/1s', 0, 1000],
    ['1000/15m', 1000, 900_000],
  ])('%s → %i per %i ms', (value, limit, ttl) => {
    expect(parseRateLimit(value)).toEqual({ limit, ttl });
  });

  it.each([
    '',
    '100',
    '100/m',
    '/1m',
    '100/1d',
    '100/1 m',
    ' 100/1m',
    '100/1m ',
    '-1/1m',
    '1.5/1m',
    'a/1m',
  ])('rejects %j', (value) => {
    expect(() => parseRateLimit(value)).toThrow(`Invalid rate limit "${value}"`);
  });

  it('accepts exactly what the env schema accepts', () => {
    for (const value of ['100/1m', '5/30s', '10/500ms', '3/1h', '100/1d', '100', 'x/1m']) {
      const parses = (() => {
        try {
          parseRateLimit(value);
          return true;
        } catch {
          return false;
        }
      })();
      expect(parses, value).toBe(RATE_LIMIT_PATTERN.test(value));
    }
  });
});
