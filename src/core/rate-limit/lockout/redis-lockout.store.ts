import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LockoutStore } from './lockout.store.js';
import { MemoryLockoutStore } from './memory-lockout.store.js';

const WARN_EVERY_MS = 10_000;
const PREFIX = 'lockout:';
// One round trip: count the hit and start the window on the first one.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return hits
`;

/**
 * Counters and locks in Redis, shared by every instance. An unreachable Redis must neither
 * take logins down nor lift the lockout: this instance counts in memory until Redis answers.
 */
export class RedisLockoutStore extends LockoutStore {
  private readonly logger = new Logger('LoginLockout');
  private readonly fallback = new MemoryLockoutStore();
  private lastWarning = 0;

  constructor(private readonly redis: Redis) {
    super();
  }

  increment(key: string, windowMs: number): Promise<number> {
    return this.orFallback(
      async () => Number(await this.redis.eval(INCREMENT, 1, PREFIX + key, windowMs)),
      () => this.fallback.increment(key, windowMs),
    );
  }

  lock(key: string, ms: number): Promise<void> {
    return this.orFallback(
      async () => {
        await this.redis.set(`${PREFIX}${key}:lock`, '1', 'PX', ms);
      },
      () => this.fallback.lock(key, ms),
    );
  }

  async lockedForMs(key: string): Promise<number> {
    const local = await this.fallback.lockedForMs(key);
    const shared = await this.orFallback(
      async () => Math.max(0, await this.redis.pttl(`${PREFIX}${key}:lock`)),
      async () => 0,
    );
    return Math.max(local, shared);
  }

  async reset(...keys: string[]): Promise<void> {
    await this.fallback.reset(...keys);
    const names = keys.flatMap((key) => [PREFIX + key, `${PREFIX}${key}:lock`]);
    await this.orFallback(
      async () => {
        await this.redis.del(...names);
      },
      async () => undefined,
    );
  }

  async close(): Promise<void> {
    this.fallback.close();
  }

  private async orFallback<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      return await shared();
    } catch (error) {
      this.warnUnavailable(error);
      return local();
    }
  }

  /** One WARN per WARN_EVERY_MS during an outage, not one per login. */
  private warnUnavailable(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn({ err: error }, 'Lockout storage unavailable; counting in memory');
  }
}
