import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

/** Export files (GDPR archives, audit exports): where they are written and how long they live. */
export const exportsConfig = registerAs('exports', () => {
  const env = loadEnv();
  return {
    dir: env.EXPORT_DIR,
    ttlHours: env.EXPORT_TTL_HOURS,
  };
});
