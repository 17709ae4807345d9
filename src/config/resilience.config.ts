import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const resilienceConfig = registerAs('resilience', () => {
  const env = loadEnv();
  return {
    breakerFailures: env.RESILIENCE_BREAKER_FAILURES,
    breakerHalfOpenMs: env.RESILIENCE_BREAKER_HALF_OPEN_MS,
    retryInitialDelayMs: env.RESILIENCE_RETRY_INITIAL_DELAY_MS,
    retryMaxDelayMs: env.RESILIENCE_RETRY_MAX_DELAY_MS,
    smtpTimeoutMs: env.SMTP_TIMEOUT_MS,
    smtpConcurrency: env.SMTP_CONCURRENCY,
  };
});
