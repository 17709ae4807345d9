import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EXPORT_JOB } from '../../src/modules/audit/audit.jobs.js';
import { FAST_AUTH, registerUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootstrapAdmin } from '../support/users.js';
import { answered, type OwnService, startOwnRedis } from '../support/own-services.js';

const ENQUEUE_TIMEOUT_MS = 1_000;

describe('outage drill: a Redis the test starts and stops itself', () => {
  describe('Redis down (queues and rate limits on Redis)', () => {
    let redis: OwnService;
    let t: TestApp;
    let adminToken: string;
    const admin = bootstrapAdmin('outage-admin');

    beforeAll(async () => {
      redis = await startOwnRedis();
      t = await bootApp({
        env: {
          ...FAST_AUTH,
          REDIS_URL: redis.url,
          ...admin.env,
          EXPORT_DIR: await mkdtemp(join(tmpdir(), 'outage-exports-')),
          QUEUE_ENQUEUE_TIMEOUT_MS: String(ENQUEUE_TIMEOUT_MS),
          HEALTH_CHECK_TIMEOUT_MS: '500',
        },
      });
      adminToken = await admin.signIn(t);
    });
    afterAll(async () => {
      await redis?.start();
      await t?.close();
      await redis?.dispose();
    });

    const exportJob = () =>
      t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: adminToken,
        payload: { format: 'csv' },
      });
    /** Export jobs in the queue, in any state (the daily schedulers' jobs left out). */
    const exportJobs = async () => {
      const queue = t.app.get<Queue>(getQueueToken('audit'));
      const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
      return jobs.filter((job) => job?.name === AUDIT_EXPORT_JOB).length;
    };

    it('answers 503 with Retry-After, keeps serving what does not need Redis, and recovers', async () => {
      const user = await registerUser(t);
      expect((await exportJob()).statusCode).toBe(202);
      expect(await exportJobs()).toBe(1);
      await redis.stop();

      const refused = await answered('enqueue over REST', exportJob());
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.json().code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

      const gql = await answered(
        'enqueue over GraphQL',
        t.gql('mutation { exportAuditLogs(input: { format: "csv" }) { jobId } }', {
          token: adminToken,
        }),
      );
      expect(gql.statusCode).toBe(503);
      expect(gql.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(gql.headers['retry-after']).toBeDefined();

      // Reads and logins need PostgreSQL only (limits count in memory meanwhile).
      const me = await answered(
        'users/me',
        t.rest({ url: '/api/v1/users/me', token: user.accessToken }),
      );
      expect(me.statusCode).toBe(200);
      const signIn = await answered(
        'login',
        t.rest({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: user.email, password: user.password },
        }),
      );
      expect(signIn.statusCode, signIn.body).toBe(200);

      expect((await t.rest({ url: '/health' })).statusCode).toBe(200);
      const ready = await answered('ready', t.rest({ url: '/ready' }));
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error).toHaveProperty('queue');

      await redis.start();
      await eventually(async () => expect((await exportJob()).statusCode).toBe(202), 20_000);
      await eventually(async () => expect((await t.rest({ url: '/ready' })).statusCode).toBe(200));
      // The restarted Redis keeps nothing (no persistence), so it holds exactly the job added
      // after recovery: the two refused ones were not sent behind the client's back.
      expect(await exportJobs()).toBe(1);
    });
  });
});
