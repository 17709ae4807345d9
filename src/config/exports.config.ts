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

/**
 * When an export file last written at `mtimeMs` expires: from then on its download answers 404
 * and the daily `exports-expiry` job deletes it.
 */
export const exportExpiresAt = (mtimeMs: number, ttlHours: number): Date =>
  new Date(mtimeMs + ttlHours * 3_600_000);
