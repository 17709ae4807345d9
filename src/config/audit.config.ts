import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const auditConfig = registerAs('audit', () => {
  const env = loadEnv();
  return {
    retentionDays: env.AUDIT_RETENTION_DAYS,
  };
});
