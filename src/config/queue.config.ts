import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const queueConfig = registerAs('queue', () => {
  const env = loadEnv();
  return {
    redisUrl: env.REDIS_URL,
    backend: env.REDIS_URL ? ('redis' as const) : ('postgres' as const),
    prefix: env.QUEUE_PREFIX,
    attempts: env.QUEUE_ATTEMPTS,
    backoffMs: env.QUEUE_BACKOFF_MS,
    keepFailedSeconds: env.QUEUE_KEEP_FAILED_DAYS * 86_400,
    concurrency: env.QUEUE_CONCURRENCY,
    pgPoolSize: env.QUEUE_PG_POOL_SIZE,
    enqueueTimeoutMs: env.QUEUE_ENQUEUE_TIMEOUT_MS,
    lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
    stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
  };
});
