import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp, TEST_JWT_SECRET } from '../support/app.js';

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const sign = (claims: { iss?: string; aud?: string; exp?: number; sub?: string }) =>
  new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? randomUUID())
    .setJti(randomUUID())
    .setIssuer(claims.iss ?? 'nest-starter')
    .setAudience(claims.aud ?? 'nest-starter-api')
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(key);

describe('access-token checks on REST and GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it.each([
    ['another audience', () => sign({ aud: 'another-api' })],
    ['another issuer', () => sign({ iss: 'someone-else' })],
    ['an expired token', () => sign({ exp: Math.floor(Date.now() / 1000) - 5 })],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_label, make) => {
    const token = await make();
    const rest = await t.rest({ url: '/health/details', token });
    expect(rest.statusCode).toBe(401);
    expect(rest.json().code).toBe('UNAUTHENTICATED');
    const gql = await t.gql('{ me { id } }', { token });
    expect(gql.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(gql.json().data).toBeNull();
  });

  it('accepts a well-formed token for the right issuer and audience', async () => {
    const res = await t.rest({ url: '/health/details', token: await sign({}) });
    expect(res.statusCode).toBe(200);
  });
});
