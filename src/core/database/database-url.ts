import type { ConfigType } from '@nestjs/config';
import type { databaseConfig } from '../../config/database.config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** DATABASE_URL when set; otherwise (outside production, enforced by config) an embedded server. */
export async function resolveDatabaseUrl(
  config: ConfigType<typeof databaseConfig>,
  log: (message: string) => void,
): Promise<string> {
  if (config.url) return config.url;
  const embedded = await startEmbeddedPostgres({ ...config.embedded, log });
  log(`using embedded PostgreSQL at 127.0.0.1:${config.embedded.port} (${config.embedded.dir})`);
  return embedded.url;
}
