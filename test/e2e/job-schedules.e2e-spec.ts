import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type TestApp, bootApp } from '../support/app.js';

/** Every repeating job a worker declares (AppWorker.schedules) is registered where workers run. */
describe('job schedules', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t?.close());

  const schedulers = async (queue: string): Promise<Array<{ id: string; pattern: string }>> => {
    const list = await t.app.get<Queue>(getQueueToken(queue)).getJobSchedulers();
    return list
      .map((s) => ({ id: String(s.id ?? s.key), pattern: String(s.pattern) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  };

  it.each([
    ['audit', ['audit-retention-daily', 'exports-expiry-daily']],
    ['accounts', ['accounts-anonymise-daily', 'accounts-purge-daily']],
    ['files', ['files-cleanup-daily']],
    ['notifications', ['notifications-retention-daily']],
    ['stats', ['stats-rollup']],
  ])('the %s queue has its schedules', async (queue, ids) => {
    expect((await schedulers(queue)).map((s) => s.id)).toEqual(ids);
  });

  // On Redis, where each app's QUEUE_PREFIX is its own (the PostgreSQL backend shares one set of
  // schedulers per database, so the app above would be seen).
  it.runIf(inject('redisUrl') !== null)(
    'a process that runs no workers registers none',
    async () => {
      const api = await bootApp({ redis: true, env: { PROCESS_ROLE: 'api' } });
      try {
        const queue = api.app.get<Queue>(getQueueToken('files'));
        expect(await queue.getJobSchedulers()).toEqual([]);
      } finally {
        await api.close();
      }
    },
  );
});
