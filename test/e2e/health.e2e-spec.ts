import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShutdownState } from '../../src/core/lifecycle/shutdown.state.js';
import { bootApp, TEST_POOL_SIZES, type TestApp } from '../support/app.js';

describe('health probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('GET /health answers 200 { status: ok } without auth', async () => {
    const res = await t.rest({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready checks database, queue, disk and heap', async () => {
    const res = await t.rest({ url: '/ready' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info).sort()).toEqual(['database', 'disk', 'heap', 'queue', 'storage']);
    expect(body.info.queue.backend).toBe('postgres');
    expect(body.info.database.responseTime).toEqual(expect.any(Number));
  });

  it('GET /health/details needs a token (401) and the admin role (403)', async () => {
    const anonymous = await t.rest({ url: '/health/details' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHENTICATED');
    const user = await t.rest({
      url: '/health/details',
      token: await t.tokenFor({ roles: ['user'] }),
    });
    expect(user.statusCode).toBe(403);
    expect(user.json().code).toBe('FORBIDDEN');
  });

  it('GET /health/details gives admins every check with latency, pool stats, uptime and version', async () => {
    const res = await t.rest({
      url: '/health/details',
      token: await t.tokenFor({ roles: ['admin'] }),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.details.database.responseTime).toEqual(expect.any(Number));
    expect(body.details.queue.responseTime).toEqual(expect.any(Number));
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.uptimeSeconds).toEqual(expect.any(Number));
    expect(body.pool).toMatchObject({
      max: Number(TEST_POOL_SIZES.DB_POOL_SIZE),
      total: expect.any(Number),
      idle: expect.any(Number),
    });
    expect(body.queueBackend).toBe('postgres');
  });

  it('rejects a token signed with another key, an expired token and alg none', async () => {
    const { SignJWT, UnsecuredJWT } = await import('jose');
    const claims = { roles: ['admin'] };
    const base = (jwt: InstanceType<typeof SignJWT>) =>
      jwt.setSubject('u').setIssuer('nest-starter').setAudience('nest-starter-api').setJti('j');
    const foreign = await base(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }))
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-key-another-key-another-key-00'));
    const expired = await base(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }))
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode((await import('../support/app.js')).TEST_JWT_SECRET));
    const none = new UnsecuredJWT(claims)
      .setSubject('u')
      .setIssuer('nest-starter')
      .setAudience('nest-starter-api')
      .setJti('j')
      .setExpirationTime('5m')
      .encode();
    for (const token of [foreign, expired, none, 'garbage']) {
      const res = await t.rest({ url: '/health/details', token });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('GET /ready answers 503 naming the shutdown from the first moment of shutdown', async () => {
    const state = t.app.get(ShutdownState);
    state.begin();
    const res = await t.rest({ url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'error',
      error: { shutdown: { status: 'down', message: 'shutting down' } },
    });
    expect((await t.rest({ url: '/health' })).statusCode).toBe(200);
  });
});

describe('readiness thresholds', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { HEALTH_HEAP_MAX_RATIO: '0.01', HEALTH_DISK_MIN_FREE_RATIO: '1' } });
  });
  afterAll(() => t.close());

  it('answers 503 naming each failing check while the others stay up', async () => {
    const res = await t.rest({ url: '/ready' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.status).toBe('error');
    expect(Object.keys(body.error).sort()).toEqual(['disk', 'heap']);
    expect(body.error.heap.status).toBe('down');
    expect(body.info.database.status).toBe('up');
    expect(body.info.queue.status).toBe('up');
  });
});
