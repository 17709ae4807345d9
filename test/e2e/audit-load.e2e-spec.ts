import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';

const REQUESTS = 400;
const CONCURRENCY = 50;

describe('audit capture under concurrent load', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: {
        RATE_LIMIT_STRICT: '100000/1m',
        AUTH_LOGIN_MAX_FAILURES: '1000',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '1',
      },
    });
  });
  afterAll(() => t.close());

  it('records exactly one entry per request: none lost, none doubled', async () => {
    const run = randomUUID().slice(0, 8);
    const ids = Array.from({ length: REQUESTS }, (_, i) => `load-${run}-${i}`);
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      const batch = ids.slice(i, i + CONCURRENCY).map((requestId) =>
        t.rest({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'x-request-id': requestId },
          payload: { email: `${requestId}@example.com`, password: 'not the password' },
        }),
      );
      for (const res of await Promise.all(batch)) expect(res.statusCode).toBe(401);
    }
    const db = t.app.get<DataSource>(getDataSourceToken());
    await eventually(async () => {
      const [row] = await db.query(
        `SELECT count(*)::int AS entries, count(DISTINCT request_id)::int AS requests
         FROM audit_log WHERE action = 'auth.login.failed' AND request_id LIKE $1`,
        [`load-${run}-%`],
      );
      expect(row).toEqual({ entries: REQUESTS, requests: REQUESTS });
    }, 20_000);
  });
});
