import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { createHmac, createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createJwtVerifier } from './jwt-verifier.js';

// Tokens are signed with jose, an independent implementation, so interop is tested too.
const SUB = '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f';
const names = { issuer: 'iss-a', audience: 'aud-a' };
const pemOf = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

describe('createJwtVerifier (HS256)', () => {
  const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef0123456789abcdef');
  const verify = createJwtVerifier({
    algorithm: 'HS256',
    secret: createSecretKey(secret),
    ...names,
  });

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
    if (overrides.sub !== null) jwt.setSubject(overrides.sub ?? SUB);
    if (overrides.jti !== null) jwt.setJti(overrides.jti ?? 'jti-1');
    jwt.setIssuer(overrides.iss ?? 'iss-a').setAudience(overrides.aud ?? 'aud-a');
    jwt.setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 60);
    if (overrides.nbf !== undefined) jwt.setNotBefore(overrides.nbf);
    if (overrides.iat !== undefined) jwt.setIssuedAt(overrides.iat);
    return jwt.sign(signingKey);
  }

  it('accepts a token jose signed, returning its claims', async () => {
    expect(verify(await token())).toMatchObject({
      sub: SUB,
      jti: 'jti-1',
      roles: ['user'],
      iss: 'iss-a',
    });
  });

  it('accepts an iat within the clock skew', async () => {
    expect(verify(await token({ iat: Math.floor(Date.now() / 1000) + 30 }))).toBeDefined();
  });

  it('accepts an audience list that contains ours', async () => {
    expect(verify(await token({ aud: ['other', 'aud-a'] }))).toBeDefined();
  });

  it('answers a repeated token from its cache, and a cached token still expires', async () => {
    const short = await token({ exp: Math.floor(Date.now() / 1000) + 1 });
    vi.useFakeTimers({ now: Date.now() });
    try {
      expect(verify(short)).toBeDefined();
      expect(verify(short)).toBeDefined();
      vi.setSystemTime(Date.now() + 2_100);
      expect(verify(short)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
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
    expect(verify(await make())).toBeUndefined();
  });

  it('rejects alg none, garbage, and tokens with the wrong number of parts', () => {
    const none = new UnsecuredJWT({ roles: ['admin'] })
      .setSubject(SUB)
      .setJti('j')
      .setIssuer('iss-a')
      .setAudience('aud-a')
      .setExpirationTime('5m')
      .encode();
    for (const bad of [none, 'garbage', 'a.b', 'a.b.c.d', '', '..']) {
      expect(verify(bad)).toBeUndefined();
    }
  });

  it('rejects a tampered payload and a re-encoded signature', async () => {
    const [h, p, s] = (await token()).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString(
      'base64url',
    );
    expect(verify(`${h}.${forged}.${s}`)).toBeUndefined();
    // Same signature bytes, different text (unused trailing bits): refused, no malleability.
    const last = s.at(-1)!;
    const twin = last === 'A' ? 'B' : 'A';
    expect(verify(`${h}.${p}.${s.slice(0, -1)}${twin}`)).toBeUndefined();
    expect(verify(`${h}.${p}.${s}=`)).toBeUndefined();
  });

  it('rejects a critical header it does not understand and a typ other than JWT', async () => {
    const withHeader = (header: Record<string, unknown>) =>
      new SignJWT({ roles: ['user'] })
        .setProtectedHeader({ alg: 'HS256', ...header })
        .setSubject(SUB)
        .setJti('j')
        .setIssuer('iss-a')
        .setAudience('aud-a')
        .setExpirationTime('5m')
        .sign(secret);
    expect(verify(await withHeader({ typ: 'at+jwt' }))).toBeUndefined();
    expect(verify(await withHeader({}))).toBeDefined();
  });
});

describe('createJwtVerifier (RS256, EdDSA)', () => {
  const ed = generateKeyPairSync('ed25519');
  const ed2 = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const verify = createJwtVerifier({
    algorithm: 'EdDSA',
    publicKeys: new Map([['k1', ed.publicKey]]),
    ...names,
  });

  function sign(
    alg: 'EdDSA' | 'RS256',
    key: KeyObject,
    kid: string | undefined,
    claims: { exp?: number; iss?: string } = {},
  ) {
    return new SignJWT({ roles: ['user'] })
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setSubject(SUB)
      .setJti('jti-1')
      .setIssuer(claims.iss ?? 'iss-a')
      .setAudience('aud-a')
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
      .sign(key);
  }

  it('accepts an EdDSA token jose signed, choosing the key by kid', async () => {
    expect(verify(await sign('EdDSA', ed.privateKey, 'k1'))).toMatchObject({
      sub: SUB,
      jti: 'jti-1',
      roles: ['user'],
    });
  });

  it('accepts an RS256 token', async () => {
    const rs = createJwtVerifier({
      algorithm: 'RS256',
      publicKeys: new Map([['r1', rsa.publicKey]]),
      ...names,
    });
    expect(rs(await sign('RS256', rsa.privateKey, 'r1'))?.sub).toBe(SUB);
  });

  it('refuses an unknown or missing kid', async () => {
    expect(verify(await sign('EdDSA', ed.privateKey, 'k2'))).toBeUndefined();
    expect(verify(await sign('EdDSA', ed.privateKey, undefined))).toBeUndefined();
  });

  it('refuses a token signed by another key under a listed kid', async () => {
    expect(verify(await sign('EdDSA', ed2.privateKey, 'k1'))).toBeUndefined();
  });

  it('refuses alg confusion: HS256 keyed with the public key, none, and another asymmetric alg', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' }));
    const body = base64url.encode(
      JSON.stringify({ sub: SUB, jti: 'j', iss: 'iss-a', aud: 'aud-a', exp: 9_999_999_999 }),
    );
    const hmac = createHmac('sha256', pemOf(ed.publicKey, 'spki'))
      .update(`${header}.${body}`)
      .digest('base64url');
    expect(verify(`${header}.${body}.${hmac}`)).toBeUndefined();

    const none = new UnsecuredJWT({ sub: SUB, jti: 'j' })
      .setIssuer('iss-a')
      .setAudience('aud-a')
      .setExpirationTime('5m')
      .encode();
    expect(verify(none)).toBeUndefined();

    const mixed = createJwtVerifier({
      algorithm: 'EdDSA',
      publicKeys: new Map([['k1', rsa.publicKey]]),
      ...names,
    });
    expect(mixed(await sign('RS256', rsa.privateKey, 'k1'))).toBeUndefined();
  });

  it('refuses a key-carrying header (jwk, jku, x5u, x5c)', async () => {
    const jwk = ed.publicKey.export({ format: 'jwk' });
    const token = await new SignJWT({ roles: ['user'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', jwk })
      .setSubject(SUB)
      .setJti('j')
      .setIssuer('iss-a')
      .setAudience('aud-a')
      .setExpirationTime('5m')
      .sign(ed.privateKey);
    expect(verify(token)).toBeUndefined();
  });

  it('refuses a tampered payload, a re-encoded signature, an expired token or a wrong issuer', async () => {
    const token = await sign('EdDSA', ed.privateKey, 'k1');
    const [h, p, s] = token.split('.');
    const other = base64url.encode(JSON.stringify({ sub: SUB, jti: 'x', exp: 9_999_999_999 }));
    expect(verify(`${h}.${other}.${s}`)).toBeUndefined();
    expect(verify(`${h}.${p}.${s}=`)).toBeUndefined();
    expect(verify(`${h}.${p}.`)).toBeUndefined();
    expect(
      verify(await sign('EdDSA', ed.privateKey, 'k1', { exp: Math.floor(Date.now() / 1000) - 1 })),
    ).toBeUndefined();
    expect(verify(await sign('EdDSA', ed.privateKey, 'k1', { iss: 'iss-b' }))).toBeUndefined();
  });
});
