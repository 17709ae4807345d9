import { SignJWT, UnsecuredJWT } from 'jose';
import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyHs256 } from './hs256.js';

const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef0123456789abcdef');
const key = createSecretKey(secret);
const options = { issuer: 'iss-a', audience: 'aud-a' };

function token(
  overrides: {
    alg?: 'HS256' | 'HS512';
    iss?: string;
    aud?: string | string[];
    exp?: number;
    nbf?: number;
    iat?: number;
    sub?: string | null;
    jti?: string | null;
  } = {},
  signingKey: Uint8Array = secret,
) {
  const jwt = new SignJWT({ roles: ['user'] }).setProtectedHeader({
    alg: overrides.alg ?? 'HS256',
    typ: 'JWT',
  });
  if (overrides.sub !== null)
    jwt.setSubject(overrides.sub ?? '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f');
  if (overrides.jti !== null) jwt.setJti(overrides.jti ?? 'jti-1');
  jwt.setIssuer(overrides.iss ?? 'iss-a').setAudience(overrides.aud ?? 'aud-a');
  jwt.setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 60);
  if (overrides.nbf !== undefined) jwt.setNotBefore(overrides.nbf);
  if (overrides.iat !== undefined) jwt.setIssuedAt(overrides.iat);
  return jwt.sign(signingKey);
}

describe('verifyHs256', () => {
  it('accepts a token jose signed, returning its claims', async () => {
    const payload = verifyHs256(await token(), key, options);
    expect(payload).toMatchObject({
      sub: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
      jti: 'jti-1',
      roles: ['user'],
      iss: 'iss-a',
    });
  });

  it('accepts an iat within the clock skew', async () => {
    const iat = Math.floor(Date.now() / 1000) + 30;
    expect(verifyHs256(await token({ iat }), key, options)).toBeDefined();
  });

  it('accepts an audience list that contains ours', async () => {
    expect(verifyHs256(await token({ aud: ['other', 'aud-a'] }), key, options)).toBeDefined();
  });

  it.each([
    [
      'another key',
      () => token({}, new TextEncoder().encode('another-key-another-key-another-key-!!')),
    ],
    ['HS512', () => token({ alg: 'HS512' })],
    ['an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 1 })],
    ['a token not valid yet', () => token({ nbf: Math.floor(Date.now() / 1000) + 60 })],
    ['another issuer', () => token({ iss: 'iss-b' })],
    ['another audience', () => token({ aud: 'aud-b' })],
    ['no subject', () => token({ sub: null })],
    ['no token id', () => token({ jti: null })],
    ['a subject that is not a UUID', () => token({ sub: 'user-1' })],
    ['an iat beyond the clock skew', () => token({ iat: Math.floor(Date.now() / 1000) + 120 })],
  ])('rejects %s', async (_label, make) => {
    expect(verifyHs256(await make(), key, options)).toBeUndefined();
  });

  it('rejects alg none, garbage, and tokens with the wrong number of parts', () => {
    const none = new UnsecuredJWT({ roles: ['admin'] })
      .setSubject('u')
      .setJti('j')
      .setIssuer('iss-a')
      .setAudience('aud-a')
      .setExpirationTime('5m')
      .encode();
    for (const bad of [none, 'garbage', 'a.b', 'a.b.c.d', '', '..']) {
      expect(verifyHs256(bad, key, options)).toBeUndefined();
    }
  });

  it('rejects a tampered payload and a re-encoded signature', async () => {
    const [h, p, s] = (await token()).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString(
      'base64url',
    );
    expect(verifyHs256(`${h}.${forged}.${s}`, key, options)).toBeUndefined();
    // Same signature bytes, different text (unused trailing bits): refused, no malleability.
    const last = s.at(-1)!;
    const twin = last === 'A' ? 'B' : 'A';
    expect(verifyHs256(`${h}.${p}.${s.slice(0, -1)}${twin}`, key, options)).toBeUndefined();
    expect(verifyHs256(`${h}.${p}.${s}=`, key, options)).toBeUndefined();
  });
});
