import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const idempotencyConfig = registerAs('idempotency', () => {
  const env = loadEnv();
  return {
    /** How long a key and its stored answer are kept, from the first request. */
    ttlHours: env.IDEMPOTENCY_TTL_HOURS,
  };
});
