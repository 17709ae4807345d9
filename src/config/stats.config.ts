import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const statsConfig = registerAs('stats', () => {
  const env = loadEnv();
  return {
    /** Responses are shared by callers for this long; 0: every call reads the rollup. */
    cacheSeconds: env.STATS_CACHE_SECONDS,
    slowQueryMs: env.STATS_SLOW_QUERY_MS,
    rollupMinutes: env.STATS_ROLLUP_MINUTES,
    /** Buckets (hours or days) one rollup run computes at most, so catching up stays bounded. */
    rollupMaxBuckets: env.STATS_ROLLUP_MAX_BUCKETS,
    backfillDays: env.STATS_BACKFILL_DAYS,
    sampleMs: env.STATS_SAMPLE_SECONDS * 1000,
    activityFlushMs: env.STATS_ACTIVITY_FLUSH_SECONDS * 1000,
  };
});
