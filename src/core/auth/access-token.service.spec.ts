import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { type JwtAlgorithm, parseJwtKeys } from '../../config/jwt-keys.js';
import { AccessTokenService } from './access-token.service.js';

const pemOf = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

const ed = generateKeyPairSync('ed25519');
const ed2 = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

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

describe('AccessTokenService with HS256', () => {
  const hs = new AccessTokenService({
    jwtSecret: '0123456789abcdef0123456789abcdef',
    jwtAlgorithm: 'HS256',
    jwtKeys: undefined,
    jwtIssuer: 'iss-a',
    jwtAudience: 'aud-a',
    accessTokenTtlSeconds: 900,
    signingSecret: undefined,
  });
  const user = { id: '7d1c3f0e-2b4a-4c8e-9f61-0a5b3c2d1e4f', roles: ['user'], sessionId: 'sid-1' };

  it('signs iss, aud, sub, jti, iat, exp, roles and sid, and verifies its own tokens', async () => {
    const token = await hs.sign(user, 60);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const now = Math.floor(Date.now() / 1000);
    expect(payload).toMatchObject({ iss: 'iss-a', aud: 'aud-a', sub: user.id, sid: 'sid-1' });
    expect(payload.exp - payload.iat).toBe(60);
    expect(Math.abs(payload.iat - now)).toBeLessThanOrEqual(1);
    expect(hs.verify(token)).toEqual({
      id: user.id,
      roles: ['user'],
      tokenId: payload.jti,
      sessionId: 'sid-1',
    });
  });

  it("verifies a request's bearer token once per request, and again when the header changes", async () => {
    const token = await hs.sign(user, 60);
    const verify = vi.spyOn(hs, 'verify');
    const request = { headers: { authorization: `Bearer ${token}` } };
    const first = hs.callerOf(request);
    expect(first).toMatchObject({ id: user.id, sessionId: 'sid-1' });
    expect(hs.callerOf(request)).toBe(first);
    expect(verify).toHaveBeenCalledTimes(1);
    // Another request with the same token is verified on its own (nothing outlives a request).
    expect(hs.callerOf({ headers: { authorization: `Bearer ${token}` } })).toEqual(first);
    expect(verify).toHaveBeenCalledTimes(2);
    request.headers.authorization = 'Bearer not-a-token';
    expect(hs.callerOf(request)).toBeUndefined();
    expect(hs.callerOf({ headers: {} })).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(3);
    verify.mockRestore();
  });
});
