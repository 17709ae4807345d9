import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

/**
 * API keys for machine clients: lifetimes, the two rate limits (per key, bad keys per IP) and
 * how many live keys one account may hold.
 */
export const apiKeysConfig = registerAs('apiKeys', () => {
  const env = loadEnv();
  const maxTtlDays = env.API_KEY_MAX_TTL_DAYS;
  return {
    /** A default above the maximum would make every key without `expiresAt` invalid: clamped. */
    defaultTtlDays: Math.min(env.API_KEY_DEFAULT_TTL_DAYS, maxTtlDays),
    maxTtlDays,
    ratePerMinute: env.API_KEY_RATE_LIMIT_PER_MINUTE,
    invalidPerIpPerMinute: env.API_KEY_INVALID_PER_IP_PER_MINUTE,
    /** Live keys in one account's list (owned, or made for a service account). */
    maxPerAccount: env.API_KEY_MAX_PER_ACCOUNT,
  };
});

export type ApiKeysConfig = ReturnType<typeof apiKeysConfig>;
