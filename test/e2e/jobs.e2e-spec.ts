import { getQueueToken } from '@nestjs/bullmq';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PermissionsService } from '../../src/core/auth/permissions.service.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

const backends = [
  { name: 'postgres', redis: false },
  { name: 'redis', redis: true },
] as const;

describe.each(backends)('jobs on the $name backend', ({ name, redis }) => {
  const available = !redis || inject('redisUrl') !== null;
  let t: TestApp;
  let owner: { id: string; token: string };
  let other: string;
  let admin: string;

  beforeAll(async () => {
    if (!available) return;
    t = await bootApp({ redis, extraModules: [TestFeatureModule] });
    const id = randomUUID();
    owner = { id, token: await t.tokenFor({ id }) };
    other = await t.tokenFor({});
    admin = await t.tokenFor({ roles: ['admin'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const enqueue = async (payload: Record<string, unknown>, requestId?: string) => {
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/test/jobs',
      payload,
      token: owner.token,
      headers: requestId ? { 'x-request-id': requestId } : {},
    });
    expect(res.statusCode).toBe(201);
    return res.json().jobId as string;
  };
  const status = async (jobId: string, token = owner.token) => {
    const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
    return { code: res.statusCode, body: res.json() };
  };
  const settled = (jobId: string, state: string) =>
    eventually(async () => {
      const { body } = await status(jobId);
      expect(body.status).toBe(state);
      return body;
    });

  it('runs a job and reports status, progress and result to its owner', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const jobId = await enqueue({ kind: 'echo', value: 'hello' });
    const body = await settled(jobId, 'completed');
    expect(body).toMatchObject({
      id: jobId,
      queue: 'maintenance',
      type: 'test-echo',
      progress: 100,
      result: { echoed: 'hello', attempt: 1 },
    });
    expect(new Date(body.finishedAt).getTime()).toBeGreaterThan(0);
  });

  it(`backend is ${name}`, async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const res = await t.rest({ url: '/ready' });
    expect(res.json().info.queue.backend).toBe(name);
  });

  it('carries the request id of the request that started it', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const requestId = `req-${randomUUID()}`;
    const jobId = await enqueue({ kind: 'echo', value: 'x' }, requestId);
    const queue = t.app.get<Queue>(getQueueToken('maintenance'));
    const job = await queue.getJob(jobId);
    expect(job?.data.meta).toEqual({ requestId, userId: owner.id });
  });

  it('retries a failing job with backoff until it succeeds', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const jobId = await enqueue({ kind: 'flaky' });
    const body = await settled(jobId, 'completed');
    expect(body.attempts).toBe(2);
    expect(body.result).toEqual({ attempt: 2 });
  });

  it('keeps a job that failed every attempt, with its error', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const jobId = await enqueue({ kind: 'fail' });
    const body = await settled(jobId, 'failed');
    expect(body.attempts).toBe(3);
    // The owner learns that it failed; only an admin sees the worker's own message.
    expect(body.error).toBe('The job failed');
    expect((await status(jobId, admin)).body.error).toBe('always fails');
  });

  it('shows any job with its raw error to a role granted jobs.read.any, not by role name', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const db = t.app.get<DataSource>(getDataSourceToken());
    const role = `ops_${name}`;
    await db.query('INSERT INTO roles (name) VALUES ($1) ON CONFLICT DO NOTHING', [role]);
    await db.query(
      `INSERT INTO role_permissions (role_id, permission_id)
       SELECT r.id, p.id FROM roles r, permissions p WHERE r.name = $1 AND p.name = 'jobs.read.any'
       ON CONFLICT DO NOTHING`,
      [role],
    );
    await t.app.get(PermissionsService).refresh();
    const operator = await t.tokenFor({ roles: ['user', role] });
    const jobId = await enqueue({ kind: 'fail' });
    await settled(jobId, 'failed');
    expect((await status(jobId, operator)).body.error).toBe('always fails');
  });

  it('answers 404 to another user and 200 to an admin (REST and GraphQL)', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const jobId = await enqueue({ kind: 'echo', value: 'mine' });
    const foreign = await status(jobId, other);
    expect(foreign.code).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect((await status(jobId, admin)).code).toBe(200);

    const query = 'query Job($id: ID!) { job(id: $id) { id type status progress } }';
    const mine = await t.gql(query, { variables: { id: jobId }, token: owner.token });
    expect(mine.json().errors).toBeUndefined();
    expect(mine.json().data.job).toMatchObject({ id: jobId, type: 'test-echo' });
    const theirs = await t.gql(query, { variables: { id: jobId }, token: other });
    expect(theirs.json().errors[0].extensions.code).toBe('NOT_FOUND');
    expect(theirs.json().data).toBeNull();
  });

  it('answers 404 for an unknown job, 400 for a malformed id, 401 without a token', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const unknown = await status(randomUUID());
    expect(unknown.code).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const malformed = await status('not-a-uuid');
    expect(malformed.code).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
    const anonymous = await t.rest({ url: `/api/v1/jobs/${randomUUID()}` });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHENTICATED');
  });
});
