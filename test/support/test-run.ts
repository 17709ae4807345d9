import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

/** 8 hex characters of the checkout's path: two checkouts on one machine never share it. */
export function checkoutId(checkoutPath: string): string {
  return createHash('sha256').update(checkoutPath).digest('hex').slice(0, 8);
}

/** The embedded test PostgreSQL port of a checkout: 55000–56999, from its path. */
export function embeddedTestPort(checkoutPath: string): number {
  return 55_000 + (Number.parseInt(checkoutId(checkoutPath), 16) % 2000);
}

/** A run: its checkout and process (`<checkout>p<pid>`), in database names and Redis prefixes. */
export function runIdOf(checkoutPath: string, pid: number): string {
  return `${checkoutId(checkoutPath)}p${pid}`;
}

export const databasePrefixOf = (runId: string): string => `starter_test_${runId}_`;
export const redisPrefixOf = (runId: string): string => `test-${runId}`;

/** The pid of a test database of `checkoutPath`'s runs, or undefined for anyone else's. */
export function runPidOf(database: string, checkoutPath: string): number | undefined {
  const match = new RegExp(`^starter_test_${checkoutId(checkoutPath)}p(\\d+)_`).exec(database);
  return match ? Number(match[1]) : undefined;
}

/** Keys under `prefix` (SCAN, never KEYS), e.g. BullMQ's `<prefix>-…:<queue>:…`. */
export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Deletes this run's keys only (no FLUSH); returns how many there were. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  return keys.length;
}

/** The teardown's check: after cleaning, no key of the run may remain. */
export async function removeRunKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const removed = await deleteKeys(redis, prefix);
    const left = await scanKeys(redis, prefix);
    if (left.length)
      throw new Error(`Redis keys of this run left behind: ${left.slice(0, 5).join(', ')}`);
    return removed;
  } finally {
    redis.disconnect();
  }
}
