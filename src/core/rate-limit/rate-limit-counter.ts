import { normalizeIp, type ThrottlerStorage } from '@nestjs/throttler';
import { AppException } from '../errors/app.exception.js';

export type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A store that can count without a promise (the in-memory one). */
interface SyncThrottlerStorage {
  incrementSync(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): StorageRecord;
}

export interface LimitNumbers {
  limit: number;
  ttl: number;
  blockDuration: number;
}

/** Longer trackers are not client IPs or user ids; cut so a forged header cannot grow keys. */
const MAX_TRACKER_LENGTH = 100;

/** Who is counted: the user when authenticated, else the client IP (IPv6 per subnet). */
export function trackerOf(userId: string | undefined, ip: string, ipv6Prefix: number): string {
  const tracker = userId ? `user:${userId}` : `ip:${normalizeIp(ip, ipv6Prefix)}`;
  return tracker.slice(0, MAX_TRACKER_LENGTH);
}

/** Counts `hits` hits on a key: synchronously with the in-memory store, else in one promise. */
export function countHits(
  storage: ThrottlerStorage,
  key: string,
  name: string,
  { limit, ttl, blockDuration }: LimitNumbers,
  hits = 1,
): StorageRecord | Promise<StorageRecord> {
  const store = storage as ThrottlerStorage & Partial<SyncThrottlerStorage>;
  if (store.incrementSync) {
    let record = store.incrementSync(key, ttl, limit, blockDuration, name);
    for (let i = 1; i < hits; i++)
      record = store.incrementSync(key, ttl, limit, blockDuration, name);
    return record;
  }
  return (async () => {
    let record = await store.increment(key, ttl, limit, blockDuration, name);
    for (let i = 1; i < hits; i++) {
      record = await store.increment(key, ttl, limit, blockDuration, name);
    }
    return record;
  })();
}

/** The X-RateLimit-* headers for a count, or 429 RATE_LIMIT_EXCEEDED with them and Retry-After. */
export function headersOrRefusal(record: StorageRecord, limit: number): Record<string, string> {
  const headers = {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(Math.max(0, limit - record.totalHits)),
    'X-RateLimit-Reset': String(record.isBlocked ? record.timeToBlockExpire : record.timeToExpire),
  };
  if (record.isBlocked) {
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many requests, retry later', {
      headers: { ...headers, 'Retry-After': String(record.timeToBlockExpire) },
    });
  }
  return headers;
}

/** As @nestjs/throttler: a number, or a numeric string, else a configuration error. */
export function toNumber(value: unknown, option: string, throttler: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new Error(
      `Invalid "${option}" for the "${throttler}" throttler: expected a number, got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

export function limitNumbers(
  name: string,
  limit: unknown,
  ttl: unknown,
  blockDuration: unknown,
): LimitNumbers {
  const ttlNumber = toNumber(ttl, 'ttl', name);
  return {
    limit: toNumber(limit, 'limit', name),
    ttl: ttlNumber,
    blockDuration: toNumber(blockDuration ?? ttlNumber, 'blockDuration', name),
  };
}
