/**
 * Where the login lockout keeps its counters and locks: a port (the DI token) with a memory
 * adapter and a Redis one (shared by every instance), chosen by REDIS_URL.
 */
export abstract class LockoutStore {
  /** Counts one hit on `key`; the window starts at the first hit and lasts `windowMs`. */
  abstract increment(key: string, windowMs: number): Promise<number>;
  /** Locks `key` for `ms`. */
  abstract lock(key: string, ms: number): Promise<void>;
  /** Milliseconds left on the lock of `key`, 0 when it is not locked. */
  abstract lockedForMs(key: string): Promise<number>;
  /** Forgets the counters and locks of these keys. */
  abstract reset(...keys: string[]): Promise<void>;
  abstract close(): void | Promise<void>;
}
