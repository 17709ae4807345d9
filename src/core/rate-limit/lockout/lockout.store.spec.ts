import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { LockoutStore } from './lockout.store.js';
import { MemoryLockoutStore } from './memory-lockout.store.js';
import { RedisLockoutStore } from './redis-lockout.store.js';

const redisUrl = inject('redisUrl');
const redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true }) : undefined;
afterAll(async () => {
  await redis?.quit();
});

// One contract, every adapter: the lockout behaves the same on one instance and on many.
const adapters: Array<[string, (() => LockoutStore) | undefined]> = [
  ['memory', () => new MemoryLockoutStore()],
  ['redis', redis ? () => new RedisLockoutStore(redis) : undefined],
];

describe.each(adapters)('LockoutStore (%s)', (_name, make) => {
  let store: LockoutStore;
  let key: string;
  beforeEach(() => {
    store = make!();
    key = `spec:${randomUUID()}`;
  });
  afterEach(async () => {
    await store.reset(key);
    await store.close();
  });

  it.skipIf(!make)('counts hits within a window that starts at the first hit', async () => {
    expect(await store.increment(key, 200)).toBe(1);
    expect(await store.increment(key, 200)).toBe(2);
    await vi.waitFor(async () => expect(await store.increment(key, 200)).toBe(1), {
      timeout: 2000,
      interval: 50,
    });
  });

  it.skipIf(!make)('locks for the given time and reports what is left', async () => {
    expect(await store.lockedForMs(key)).toBe(0);
    await store.lock(key, 60_000);
    const left = await store.lockedForMs(key);
    expect(left).toBeGreaterThan(59_000);
    expect(left).toBeLessThanOrEqual(60_000);
  });

  it.skipIf(!make)('reset forgets counters and locks', async () => {
    await store.increment(key, 60_000);
    await store.lock(key, 60_000);
    await store.reset(key);
    expect(await store.lockedForMs(key)).toBe(0);
    expect(await store.increment(key, 60_000)).toBe(1);
  });
});

describe('RedisLockoutStore with Redis unreachable', () => {
  it('counts and locks in memory instead of failing or lifting the lockout', async () => {
    const offline = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const store = new RedisLockoutStore(offline);
    expect(await store.increment('k', 60_000)).toBe(1);
    expect(await store.increment('k', 60_000)).toBe(2);
    await store.lock('k', 60_000);
    expect(await store.lockedForMs('k')).toBeGreaterThan(59_000);
    await store.close();
    offline.disconnect();
  });
});
