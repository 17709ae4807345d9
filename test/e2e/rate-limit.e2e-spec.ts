import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

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
    const error = limited.json().errors[0];
    expect(error.extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(error.extensions.requestId).toBe(limited.headers['x-request-id']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
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
});
