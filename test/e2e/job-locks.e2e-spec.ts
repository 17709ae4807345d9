import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

let t: TestApp;
beforeAll(async () => {
  t = await bootApp({
    extraModules: [TestFeatureModule],
    env: { QUEUE_LOCK_DURATION_MS: '1000', QUEUE_STALLED_INTERVAL_MS: '500' },
  });
});
afterAll(() => t.close());

// The lock settings reach the Worker's constructor, where BullMQ derives its renewal period:
// set afterwards, the lock was taken for 1 s but renewed every 15 s, and a healthy worker's job
// was failed as "stalled more than allowable limit".
it('a job running longer than its lock completes: the live worker renews the lock', async () => {
  const jobs = t.app.get(JobsService);
  const { jobId } = await jobs.enqueue('maintenance', 'test-slow', { kind: 'slow', ms: 3000 });
  const job = await eventually(async () => {
    const found = await jobs.queue('maintenance').getJob(jobId);
    expect(['completed', 'failed']).toContain(await found!.getState());
    return found!;
  }, 20_000);
  expect(job.failedReason).toBeFalsy();
  expect(await job.getState()).toBe('completed');
});
