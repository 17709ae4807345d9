export const STATS_QUEUE = 'stats';
export const STATS_ROLLUP_JOB = 'stats-rollup';
export const STATS_ROLLUP_SCHEDULER_ID = 'stats-rollup';

/** Every `minutes` minutes (cron, UTC). */
export const rollupPattern = (minutes: number): string => `*/${minutes} * * * *`;
