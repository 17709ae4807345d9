import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

const SWEEP_EVERY_MS = 30_000;

/**
 * Fixed-window counters in memory, O(1) per request and per key: the same rule as the Redis
 * store. (@nestjs/throttler's default store keeps a timestamp per hit and prunes them on every
 * request, which grows with the limit.)
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    return this.incrementSync(key, ttl, limit, blockDuration, name);
  }

  /** The same count without a promise: the rate-limit guard uses it to answer synchronously. */
  incrementSync(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const now = Date.now();
    const id = `${name}:${key}`;
    let window = this.windows.get(id);
    if (window && window.blockedUntil > now) {
      return this.record(window, now, true);
    }
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    window.hits += 1;
    if (window.hits > limit) {
      window.blockedUntil = now + blockDuration;
      return this.record(window, now, true);
    }
    return this.record(window, now, false);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private record(window: Window, now: number, blocked: boolean) {
    return {
      totalHits: window.hits,
      timeToExpire: Math.max(0, Math.ceil((window.expiresAt - now) / 1000)),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.max(0, Math.ceil((window.blockedUntil - now) / 1000)) : 0,
    };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, window] of this.windows) {
      if (window.expiresAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }
}
