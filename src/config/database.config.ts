import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const databaseConfig = registerAs('database', () => {
  const env = loadEnv();
  return {
    url: env.DATABASE_URL,
    poolSize: env.DB_POOL_SIZE,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    slowQueryMs: env.DB_SLOW_QUERY_MS,
    queryWarnCount: env.NODE_ENV === 'production' ? 0 : env.DB_QUERY_WARN_COUNT,
    migrateOnStart: env.DB_MIGRATE_ON_START ?? env.NODE_ENV !== 'production',
    embedded: { dir: env.EMBEDDED_PG_DIR, port: env.EMBEDDED_PG_PORT },
  };
});
