import { DiscoveryService, Reflector } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rateLimitOf } from '../../src/core/rate-limit/rate-limit.decorator.js';
import {
  FAST_AUTH,
  type RegisteredUser,
  registerUser,
  STRONG_PASSWORD,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

/** REST and GraphQL twins not yet joined by a `bucket` (REST bucket, GraphQL bucket). */
const TWINS_WITHOUT_BUCKET: [string, string][] = [];
/** REST routes without a GraphQL twin by design: the OpenID browser redirects (API.md). */
const BROWSER_ONLY = ['strict:Identities.callback', 'strict:Identities.start'];

const limits = { RATE_LIMIT_DEFAULT: '3/1m', RATE_LIMIT_STRICT: '2/1m', RATE_LIMIT_STATS: '10/1m' };

describe('rate limiting (in-memory store)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: limits, extraModules: [TestFeatureModule] });
  });
  afterAll(() => t.close());

  const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });

  it('sends X-RateLimit-* headers and answers 429 RATE_LIMIT_EXCEEDED past the default limit', async () => {
    const token = await t.tokenFor({});
    const url = `/api/v1/jobs/${randomUUID()}`;
    for (let i = 1; i <= 3; i++) {
      const res = await t.rest({ url, token });
      expect(res.statusCode).toBe(404);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(3 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    const limited = await t.rest({ url, token });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(limited.json().requestId).toBe(limited.headers['x-request-id']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('keys limits by user when authenticated: another user keeps a full budget', async () => {
    const first = await t.tokenFor({});
    const second = await t.tokenFor({});
    const url = `/api/v1/jobs/${randomUUID()}`;
    for (let i = 0; i < 3; i++) await t.rest({ url, token: first });
    expect((await t.rest({ url, token: first })).statusCode).toBe(429);
    const res = await t.rest({ url, token: second });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('keys anonymous callers by client IP', async () => {
    const url = '/api/v1/test/strict';
    expect((await t.rest({ url })).statusCode).toBe(200);
    expect((await t.rest({ url })).statusCode).toBe(200);
    expect((await t.rest({ url })).statusCode).toBe(429);
    // Without TRUST_PROXY a forged X-Forwarded-For does not buy a new budget.
    expect((await t.rest({ url, headers: fromIp('203.0.113.9') })).statusCode).toBe(429);
  });

  it('puts @RateLimit routes under their own named limit only', async () => {
    const res = await t.rest({ method: 'POST', url: '/api/v1/test/echo', payload: { name: 'a' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-ratelimit-limit']).toBe('3');
  });

  it('exempts probes and /metrics', async () => {
    for (let i = 0; i < 6; i++) {
      for (const url of ['/health', '/ready', '/metrics']) {
        const res = await t.rest({ url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });

  it('answers GraphQL with extensions.code RATE_LIMIT_EXCEEDED', async () => {
    const token = await t.tokenFor({});
    const query = `query Job { job(id: "${randomUUID()}") { id } }`;
    for (let i = 0; i < 3; i++) {
      const res = await t.gql(query, { token });
      expect(res.json().errors[0].extensions.code).toBe('NOT_FOUND');
    }
    const limited = await t.gql(query, { token });
    expect(limited.statusCode).toBe(429);
    const error = limited.json().errors[0];
    expect(error.extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(error.extensions.requestId).toBe(limited.headers['x-request-id']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('counts GraphQL requests per caller, whichever fields they select', async () => {
    const token = await t.tokenFor({});
    const queries = ['{ __typename }', `{ job(id: "${randomUUID()}") { id } }`, '{ me { id } }'];
    for (const [i, query] of queries.entries()) {
      const res = await t.gql(query, { token });
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await t.gql('{ __typename }', { token });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });
});

describe('one named limit for a REST route and its GraphQL twin (RATE_LIMIT_STRICT=5/1m)', () => {
  let t: TestApp;
  let user: RegisteredUser;
  beforeAll(async () => {
    t = await bootApp({
      env: { ...FAST_AUTH, RATE_LIMIT_STRICT: '5/1m', TRUST_PROXY: 'true' },
    });
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  const restLogin = (ip: string) =>
    t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': ip },
      payload: { email: user.email, password: user.password },
    });
  const gqlLogin = (ip: string) =>
    t.gql('mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', {
      variables: { input: { email: user.email, password: user.password } },
      headers: { 'x-forwarded-for': ip },
    });

  it('3 REST + 2 GraphQL logins pass; the 6th is 429 over GraphQL', async () => {
    const ip = '192.0.2.10';
    for (let i = 0; i < 3; i++) expect((await restLogin(ip)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await gqlLogin(ip)).json().data.login.accessToken).toEqual(expect.any(String));
    }
    const limited = await gqlLogin(ip);
    expect(limited.json().data ?? null).toBeNull();
    expect(limited.json().errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('3 GraphQL + 2 REST logins pass; the 6th is 429 over REST', async () => {
    const ip = '192.0.2.11';
    for (let i = 0; i < 3; i++) {
      expect((await gqlLogin(ip)).json().data.login.accessToken).toEqual(expect.any(String));
    }
    for (let i = 0; i < 2; i++) expect((await restLogin(ip)).statusCode).toBe(200);
    const limited = await restLogin(ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(limited.headers['x-ratelimit-limit']).toBe('5');
  });

  it('shares the bucket for other twins too (password reset), and keeps routes apart', async () => {
    const ip = '192.0.2.12';
    const rest = () =>
      t.rest({
        method: 'POST',
        url: '/api/v1/auth/password/reset',
        headers: { 'x-forwarded-for': ip },
        payload: { token: 'not-a-token', password: STRONG_PASSWORD },
      });
    const gql = () =>
      t.gql('mutation R($input: ResetPasswordInput!) { resetPassword(input: $input) }', {
        variables: { input: { token: 'not-a-token', password: STRONG_PASSWORD } },
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < 3; i++) expect((await rest()).statusCode).not.toBe(429);
    for (let i = 0; i < 2; i++) {
      expect((await gql()).json().errors[0].extensions.code).not.toBe('RATE_LIMIT_EXCEEDED');
    }
    expect((await gql()).json().errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect((await rest()).statusCode).toBe(429);
    // Login is another bucket: this caller may still sign in.
    expect((await restLogin(ip)).statusCode).toBe(200);
  });

  it('every named limit of a REST route is the bucket of a GraphQL twin', () => {
    const reflector = t.app.get(Reflector);
    const buckets = { rest: new Set<string>(), graphql: new Set<string>() };
    const discovery = t.app.get(DiscoveryService);
    const wrappers = [
      ...discovery.getControllers().map((w) => ['rest', w] as const),
      ...discovery.getProviders().map((w) => ['graphql', w] as const),
    ];
    for (const [transport, wrapper] of wrappers) {
      const cls = wrapper.metatype as (new () => object) | undefined;
      if (!cls?.prototype || (transport === 'graphql' && !cls.name.endsWith('Resolver'))) continue;
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(cls.prototype, key)?.value as unknown;
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const limit = rateLimitOf(reflector, [handler as () => void, cls]);
        if (limit.name !== 'default') buckets[transport].add(`${limit.name}:${limit.bucket}`);
      }
    }
    const onlyRest = [...buckets.rest]
      .filter((b) => !buckets.graphql.has(b) && !BROWSER_ONLY.includes(b))
      .sort();
    const onlyGraphql = [...buckets.graphql].filter((b) => !buckets.rest.has(b)).sort();
    expect(buckets.rest.size).toBeGreaterThan(0);
    // Twins whose method names differ: their resolvers need `@RateLimit('strict', { bucket })`.
    expect(onlyRest).toEqual(TWINS_WITHOUT_BUCKET.map(([rest]) => rest).sort());
    expect(onlyGraphql).toEqual(TWINS_WITHOUT_BUCKET.map(([, graphql]) => graphql).sort());
  });
});

describe('rate limiting behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: { ...limits, TRUST_PROXY: 'true' },
      extraModules: [TestFeatureModule],
    });
  });
  afterAll(() => t.close());

  it('takes the client IP from X-Forwarded-For', async () => {
    const url = '/api/v1/test/strict';
    const a = { 'x-forwarded-for': '198.51.100.1' };
    const b = { 'x-forwarded-for': '198.51.100.2' };
    expect((await t.rest({ url, headers: a })).statusCode).toBe(200);
    expect((await t.rest({ url, headers: a })).statusCode).toBe(200);
    expect((await t.rest({ url, headers: a })).statusCode).toBe(429);
    expect((await t.rest({ url, headers: b })).statusCode).toBe(200);
  });
});

describe('rate limiting shared through Redis', () => {
  const available = inject('redisUrl') !== null;
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    if (!available) return;
    one = await bootApp({ redis: true, env: limits, extraModules: [TestFeatureModule] });
    two = await bootApp({ redis: true, env: limits, extraModules: [TestFeatureModule] });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('holds one budget across two instances', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const id = randomUUID();
    const token = await one.tokenFor({ id });
    const url = `/api/v1/jobs/${randomUUID()}`;
    expect((await one.rest({ url, token })).headers['x-ratelimit-remaining']).toBe('2');
    expect((await two.rest({ url, token })).headers['x-ratelimit-remaining']).toBe('1');
    expect((await one.rest({ url, token })).headers['x-ratelimit-remaining']).toBe('0');
    const limited = await two.rest({ url, token });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
  it('holds one GraphQL request budget across two instances', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const token = await one.tokenFor({});
    expect((await one.gql('{ __typename }', { token })).headers['x-ratelimit-remaining']).toBe('2');
    expect((await two.gql('{ __typename }', { token })).headers['x-ratelimit-remaining']).toBe('1');
    expect((await one.gql('{ __typename }', { token })).headers['x-ratelimit-remaining']).toBe('0');
    const limited = await two.gql('{ __typename }', { token });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
