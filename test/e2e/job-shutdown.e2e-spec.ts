import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { bootApp, workerDatabaseUrl } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

interface JobRow {
  name: string;
  state: string;
  failed_reason: string | null;
  return_value: { echoed?: string } | null;
}

/** A job of the maintenance queue as stored, read past the (closed) app. */
async function storedJob(id: string): Promise<JobRow | undefined> {
  const client = new pg.Client({ connectionString: await workerDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<JobRow>(
      `SELECT name, state::text, failed_reason, return_value FROM bullmq.job
        WHERE queue = 'maintenance' AND id = $1`,
      [id],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

// The shutdown closes the workers before the queues: a job still running may queue a follow-up.
// @nestjs/bullmq alone closes each worker among the queues, in module order; a job that enqueued
// after its queue had closed failed, and BullMQ's PostgreSQL backend never answers a query on a
// closing connection (a job awaiting one kept its worker's close, and the app's, waiting forever).
describe('shutdown with a job running (queues on PostgreSQL)', () => {
  it('lets the job finish and queue its follow-up before the queues close', async () => {
    const t = await bootApp({ extraModules: [TestFeatureModule] });
    const jobs = t.app.get(JobsService);
    const { jobId } = await jobs.enqueue('maintenance', 'test-chain', { kind: 'chain' });
    await eventually(async () => {
      expect(await (await jobs.queue('maintenance').getJob(jobId))?.getState()).toBe('active');
    });

    await t.close();

    const chain = await storedJob(jobId);
    expect(chain).toMatchObject({ state: 'completed', failed_reason: null });
    const followUp = await storedJob(chain!.return_value!.echoed!);
    // Stored; the closing worker may even have run it (a fetch already under way is processed).
    expect(followUp).toMatchObject({ name: 'test-echo', failed_reason: null });
    expect(['waiting', 'completed']).toContain(followUp!.state);
  });
});
