import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  checkoutId,
  databasePrefixOf,
  embeddedTestPort,
  redisPrefixOf,
  removeRunKeys,
  runIdOf,
  runPidOf,
  scanKeys,
} from './test-run.js';

describe('test run naming', () => {
  it('gives two checkouts different ports, run ids and prefixes, stable for one checkout', () => {
    const a = '/home/dev/nest-starter';
    const b = '/home/dev/nest-starter-2';
    expect(checkoutId(a)).toMatch(/^[0-9a-f]{8}$/);
    expect(checkoutId(a)).toBe(checkoutId(a));
    expect(embeddedTestPort(a)).not.toBe(embeddedTestPort(b));
    for (const path of [a, b]) {
      expect(embeddedTestPort(path)).toBeGreaterThanOrEqual(55_000);
      expect(embeddedTestPort(path)).toBeLessThan(57_000);
    }
    expect(runIdOf(a, 42)).toBe(`${checkoutId(a)}p42`);
    expect(databasePrefixOf(runIdOf(a, 42))).toBe(`starter_test_${checkoutId(a)}p42_`);
    expect(redisPrefixOf(runIdOf(a, 42))).toBe(`test-${checkoutId(a)}p42`);
  });

  it("recognises only its own checkout's databases", () => {
    const a = '/home/dev/nest-starter';
    const b = '/home/dev/nest-starter-2';
    const name = `${databasePrefixOf(runIdOf(a, 4242))}1`;
    expect(runPidOf(name, a)).toBe(4242);
    expect(runPidOf(name, b)).toBeUndefined();
    expect(runPidOf('starter_test_4242_1', a)).toBeUndefined();
  });
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('run key cleanup (Redis)', () => {
  it("removes this run's BullMQ keys (SCAN by prefix) and leaves another run's alone", async () => {
    const mine = `test-isolation-${process.pid}-mine`;
    const theirs = `test-isolation-${process.pid}-theirs`;
    for (const prefix of [`${mine}-a`, theirs]) {
      const queue = new Queue('probe', { connection: { url: redisUrl! }, prefix });
      await queue.add('job', { n: 1 });
      await queue.close();
    }
    const redis = new Redis(redisUrl!);
    try {
      expect((await scanKeys(redis, mine)).length).toBeGreaterThan(0);
      const removed = await removeRunKeys(redisUrl!, mine);
      expect(removed).toBeGreaterThan(0);
      expect(await scanKeys(redis, mine)).toEqual([]);
      const left = await scanKeys(redis, theirs);
      expect(left.length).toBeGreaterThan(0);
      await removeRunKeys(redisUrl!, theirs);
      expect(await scanKeys(redis, theirs)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
