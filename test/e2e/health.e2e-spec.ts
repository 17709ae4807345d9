import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

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
    expect(Object.keys(body.info).sort()).toEqual(['database', 'disk', 'heap', 'queue']);
    expect(body.info.queue.backend).toBe('postgres');
  });
});
