import { LockoutStore } from './lockout.store.js';

interface Entry {
  count: number;
  expiresAt: number;
}

const SWEEP_EVERY_MS = 60_000;

/** Counters and locks in this process's memory (one instance, or Redis unreachable). */
export class MemoryLockoutStore extends LockoutStore {
  private readonly counters = new Map<string, Entry>();
  private readonly locks = new Map<string, number>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();

  async increment(key: string, windowMs: number): Promise<number> {
    const now = Date.now();
    let entry = this.counters.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + windowMs };
      this.counters.set(key, entry);
    }
    return (entry.count += 1);
  }

  async lock(key: string, ms: number): Promise<void> {
    this.locks.set(key, Date.now() + ms);
  }

  async lockedForMs(key: string): Promise<number> {
    return Math.max(0, (this.locks.get(key) ?? 0) - Date.now());
  }

  async reset(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.counters.delete(key);
      this.locks.delete(key);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
    for (const [key, until] of this.locks) if (until <= now) this.locks.delete(key);
  }
}
