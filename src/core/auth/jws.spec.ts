import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type JwtAlgorithm, parseJwtKeys } from '../../config/jwt-keys.js';
import { AccessTokenService } from './access-token.service.js';
import { verifyAsymmetric } from './jws.js';

const options = { issuer: 'iss-a', audience: 'aud-a' };
const pemOf = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

const ed = generateKeyPairSync('ed25519');
const ed2 = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

function sign(
  alg: 'EdDSA' | 'RS256',
  key: KeyObject,
  kid: string | undefined,
  claims: { exp?: number; iss?: string } = {},
) {
  return new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .setSubject('7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f')
    .setJti('jti-1')
    .setIssuer(claims.iss ?? 'iss-a')
    .setAudience('aud-a')
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
    .sign(key);
}

describe('verifyAsymmetric', () => {
  const keys = new Map([['k1', ed.publicKey]]);

  it('accepts an EdDSA token jose signed, choosing the key by kid', async () => {
    const payload = verifyAsymmetric(
      await sign('EdDSA', ed.privateKey, 'k1'),
      'EdDSA',
      keys,
      options,
    );
    expect(payload).toMatchObject({
      sub: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
      jti: 'jti-1',
      roles: ['user'],
    });
  });

  it('accepts an RS256 token', async () => {
    const rsaKeys = new Map([['r1', rsa.publicKey]]);
    const token = await sign('RS256', rsa.privateKey, 'r1');
    expect(verifyAsymmetric(token, 'RS256', rsaKeys, options)?.sub).toBe(
      '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
    );
  });

  it('refuses an unknown or missing kid', async () => {
    expect(
      verifyAsymmetric(await sign('EdDSA', ed.privateKey, 'k2'), 'EdDSA', keys, options),
    ).toBeUndefined();
    expect(
      verifyAsymmetric(await sign('EdDSA', ed.privateKey, undefined), 'EdDSA', keys, options),
    ).toBeUndefined();
  });

  it('refuses a token signed by another key under a listed kid', async () => {
    const token = await sign('EdDSA', ed2.privateKey, 'k1');
    expect(verifyAsymmetric(token, 'EdDSA', keys, options)).toBeUndefined();
  });

  it('refuses alg confusion: HS256 keyed with the public key, none, and another asymmetric alg', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' }));
    const body = base64url.encode(
      JSON.stringify({ sub: 'u', jti: 'j', iss: 'iss-a', aud: 'aud-a', exp: 9_999_999_999 }),
    );
    const hmac = createHmac('sha256', pemOf(ed.publicKey, 'spki'))
      .update(`${header}.${body}`)
      .digest('base64url');
    expect(verifyAsymmetric(`${header}.${body}.${hmac}`, 'EdDSA', keys, options)).toBeUndefined();

    const none = new UnsecuredJWT({ sub: 'u', jti: 'j' })
      .setIssuer('iss-a')
      .setAudience('aud-a')
      .setExpirationTime('5m')
      .encode();
    expect(verifyAsymmetric(none, 'EdDSA', keys, options)).toBeUndefined();

    const rsaToken = await sign('RS256', rsa.privateKey, 'k1');
    const mixed = new Map([['k1', rsa.publicKey]]);
    expect(verifyAsymmetric(rsaToken, 'EdDSA', mixed, options)).toBeUndefined();
  });

  it('refuses a tampered payload, a re-encoded signature, an expired token or a wrong issuer', async () => {
    const token = await sign('EdDSA', ed.privateKey, 'k1');
    const [h, p, s] = token.split('.');
    const other = base64url.encode(JSON.stringify({ sub: 'admin', jti: 'x', exp: 9_999_999_999 }));
    expect(verifyAsymmetric(`${h}.${other}.${s}`, 'EdDSA', keys, options)).toBeUndefined();
    expect(verifyAsymmetric(`${h}.${p}.${s}=`, 'EdDSA', keys, options)).toBeUndefined();
    expect(verifyAsymmetric(`${h}.${p}.`, 'EdDSA', keys, options)).toBeUndefined();
    const expired = await sign('EdDSA', ed.privateKey, 'k1', {
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    expect(verifyAsymmetric(expired, 'EdDSA', keys, options)).toBeUndefined();
    const foreign = await sign('EdDSA', ed.privateKey, 'k1', { iss: 'iss-b' });
    expect(verifyAsymmetric(foreign, 'EdDSA', keys, options)).toBeUndefined();
  });
});

describe('AccessTokenService with asymmetric keys', () => {
  const service = (env: {
    JWT_ALGORITHM: JwtAlgorithm;
    JWT_PRIVATE_KEY?: string;
    JWT_KEY_ID?: string;
    JWT_PUBLIC_KEYS?: string;
  }) => {
    const { keys, problems } = parseJwtKeys(env);
    expect(problems).toEqual([]);
    return new AccessTokenService({
      jwtSecret: undefined,
      jwtAlgorithm: env.JWT_ALGORITHM,
      jwtKeys: keys,
      jwtIssuer: 'iss-a',
      jwtAudience: 'aud-a',
      accessTokenTtlSeconds: 900,
      signingSecret: undefined,
    });
  };
  const user = { id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f', roles: ['user'], sessionId: 'sid-1' };

  it('signs with the kid and verifies its own tokens (EdDSA and RS256)', async () => {
    const edService = service({
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
      JWT_KEY_ID: 'k1',
    });
    const token = await edService.sign(user);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      kid: 'k1',
    });
    expect(await edService.verify(token)).toMatchObject({
      id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
      sessionId: 'sid-1',
    });

    const rsService = service({
      JWT_ALGORITHM: 'RS256',
      JWT_PRIVATE_KEY: pemOf(rsa.privateKey, 'pkcs8').replace(/\n/g, '\\n'),
    });
    expect(await rsService.verify(await rsService.sign(user))).toMatchObject({
      id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
    });
  });

  it('rotation: the old kid is accepted while listed in JWT_PUBLIC_KEYS, refused once removed', async () => {
    const before = service({
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
      JWT_KEY_ID: 'old',
    });
    const oldToken = await before.sign(user);
    const during = service({
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pemOf(ed2.privateKey, 'pkcs8'),
      JWT_KEY_ID: 'new',
      JWT_PUBLIC_KEYS: JSON.stringify({ old: pemOf(ed.publicKey, 'spki') }),
    });
    expect(await during.verify(oldToken)).toMatchObject({
      id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
    });
    const newToken = await during.sign(user);
    expect(await during.verify(newToken)).toMatchObject({
      id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
    });
    expect(await before.verify(newToken)).toBeUndefined();

    const after = service({
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pemOf(ed2.privateKey, 'pkcs8'),
      JWT_KEY_ID: 'new',
    });
    expect(await after.verify(oldToken)).toBeUndefined();
    expect(await after.verify(newToken)).toMatchObject({
      id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f',
    });
  });

  it('refuses HS256 tokens when configured for EdDSA', async () => {
    const hs = new AccessTokenService({
      jwtSecret: '0123456789abcdef0123456789abcdef',
      jwtAlgorithm: 'HS256',
      jwtKeys: undefined,
      jwtIssuer: 'iss-a',
      jwtAudience: 'aud-a',
      accessTokenTtlSeconds: 900,
      signingSecret: undefined,
    });
    const edService = service({
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
    });
    expect(await edService.verify(await hs.sign(user))).toBeUndefined();
    expect(await hs.verify(await edService.sign(user))).toBeUndefined();
  });
});

describe('parseJwtKeys', () => {
  it('names the variable for a missing, invalid or weak key', () => {
    expect(parseJwtKeys({ JWT_ALGORITHM: 'RS256' }).problems).toEqual([
      'JWT_PRIVATE_KEY is required when JWT_ALGORITHM is RS256',
    ]);
    expect(parseJwtKeys({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'nope' }).problems).toEqual([
      'JWT_PRIVATE_KEY is not a valid PEM private key',
    ]);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      parseJwtKeys({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pemOf(small.privateKey, 'pkcs8') })
        .problems,
    ).toEqual(['JWT_PRIVATE_KEY must be an RSA key of at least 2048 bits']);
    expect(
      parseJwtKeys({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8') })
        .problems,
    ).toEqual(['JWT_PRIVATE_KEY must be an RSA key for RS256']);
    expect(
      parseJwtKeys({
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
        JWT_PUBLIC_KEYS: '[1]',
      }).problems,
    ).toEqual(['JWT_PUBLIC_KEYS must be a JSON object of { "<kid>": "<PEM public key>" }']);
    expect(
      parseJwtKeys({
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
        JWT_PUBLIC_KEYS: JSON.stringify({ old: 'garbage' }),
      }).problems,
    ).toEqual(['JWT_PUBLIC_KEYS["old"] is not a valid PEM public key']);
  });

  it('needs nothing for HS256', () => {
    expect(parseJwtKeys({ JWT_ALGORITHM: 'HS256' })).toEqual({ problems: [] });
  });
});
