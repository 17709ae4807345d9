import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const observabilityConfig = registerAs('observability', () => {
  const env = loadEnv();
  return {
    service: env.APP_NAME,
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    logPretty: env.LOG_PRETTY ?? (env.NODE_ENV === 'development' && Boolean(process.stdout.isTTY)),
    metricsEnabled: env.METRICS_ENABLED,
    metricsToken: env.METRICS_TOKEN,
  };
});
