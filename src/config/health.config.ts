import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const healthConfig = registerAs('health', () => {
  const env = loadEnv();
  return {
    diskPath: env.HEALTH_DISK_PATH,
    diskMinFreeRatio: env.HEALTH_DISK_MIN_FREE_RATIO,
    heapMaxRatio: env.HEALTH_HEAP_MAX_RATIO,
    checkTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
  };
});
