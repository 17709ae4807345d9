import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const accountPagesConfig = registerAs('accountPages', () => {
  const env = loadEnv();
  return {
    /** Mailed account links lead there (same path and query) instead of the built-in pages. */
    frontendUrl: env.APP_FRONTEND_URL?.replace(/\/+$/, ''),
  };
});
