import { registerAs } from '@nestjs/config';
import { commaList } from './comma-list.js';
import { parseRateLimit } from './duration.js';
import { loadEnv } from './load-env.js';

export function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return commaList(value);
}

export const httpConfig = registerAs('http', () => {
  const env = loadEnv();
  return {
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    corsOrigins: commaList(env.CORS_ORIGINS),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    timeouts: {
      headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
      idleMs: env.HTTP_IDLE_TIMEOUT_MS,
      keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    hsts: env.NODE_ENV === 'production',
    rateLimits: {
      default: parseRateLimit(env.RATE_LIMIT_DEFAULT),
      strict: parseRateLimit(env.RATE_LIMIT_STRICT),
      stats: parseRateLimit(env.RATE_LIMIT_STATS),
    },
  };
});
