import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep } from './redact.js';

describe('redactDeep', () => {
  it('replaces sensitive keys at the top level and keeps the rest', () => {
    expect(redactDeep({ user: 'ann', password: 'hunter2', token: 't', count: 3 })).toEqual({
      user: 'ann',
      password: REDACTED,
      token: REDACTED,
      count: 3,
    });
  });

  it('redacts nested keys at any depth', () => {
    const input = {
      req: { headers: { authorization: 'Bearer x', cookie: 'sid=1', accept: '*/*' } },
      body: { credentials: { nested: { refreshToken: 'r-t', deeper: { apiKey: 'k', ok: 1 } } } },
    };
    expect(redactDeep(input)).toEqual({
      req: { headers: { authorization: REDACTED, cookie: REDACTED, accept: '*/*' } },
      body: {
        credentials: { nested: { refreshToken: REDACTED, deeper: { apiKey: REDACTED, ok: 1 } } },
      },
    });
  });

  it('matches keys case-insensitively', () => {
    expect(
      redactDeep({
        Authorization: 'a',
        PASSWORD: 'b',
        AccessToken: 'c',
        accesstoken: 'd',
        'Set-Cookie': 'e',
        NewPassword: 'f',
        OTP: 'g',
      }),
    ).toEqual({
      Authorization: REDACTED,
      PASSWORD: REDACTED,
      AccessToken: REDACTED,
      accesstoken: REDACTED,
      'Set-Cookie': REDACTED,
      NewPassword: REDACTED,
      OTP: REDACTED,
    });
  });

  it('redacts the whole value of a sensitive key, objects included', () => {
    expect(redactDeep({ secret: { a: 1 }, token: ['x', 'y'] })).toEqual({
      secret: REDACTED,
      token: REDACTED,
    });
  });

  it('walks arrays, including arrays of arrays', () => {
    expect(
      redactDeep({ users: [{ name: 'a', password: 'p' }, [{ otp: '123456' }], 'plain', 7] }),
    ).toEqual({ users: [{ name: 'a', password: REDACTED }, [{ otp: REDACTED }], 'plain', 7] });
    expect(redactDeep([{ token: 't' }])).toEqual([{ token: REDACTED }]);
  });

  it('does not mutate its input', () => {
    const input = { password: 'p', nested: { token: 't' } };
    const output = redactDeep(input);
    expect(input).toEqual({ password: 'p', nested: { token: 't' } });
    expect(output).not.toBe(input);
  });

  it('handles objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { password: 'p' });
    expect(redactDeep(bare)).toEqual({ password: REDACTED });
  });

  it('returns primitives, null and undefined unchanged', () => {
    for (const value of ['s', 1, true, null, undefined, 10n]) expect(redactDeep(value)).toBe(value);
  });

  it('leaves non-plain objects untouched (same instance)', () => {
    class Credentials {
      password = 'p';
    }
    const error = Object.assign(new Error('boom'), { password: 'p' });
    const date = new Date(0);
    const map = new Map([['password', 'p']]);
    const creds = new Credentials();
    const buffer = Buffer.from('token');
    for (const value of [error, date, map, creds, buffer]) {
      expect(redactDeep(value)).toBe(value);
      expect(redactDeep({ wrapped: value })).toEqual({ wrapped: value });
    }
    expect((redactDeep({ e: error }) as { e: Error }).e).toBe(error);
  });

  it('stops descending past the maximum depth rather than recursing forever', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => redactDeep(cyclic)).not.toThrow();
  });

  it('redacts a sensitive key 8 levels down', () => {
    let nested: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 7; i++) nested = { level: nested };
    let out = redactDeep(nested) as Record<string, unknown>;
    for (let i = 0; i < 7; i++) out = out.level as Record<string, unknown>;
    expect(out).toEqual({ password: REDACTED });
  });
});
