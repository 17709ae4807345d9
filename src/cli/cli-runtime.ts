import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appConfig } from '../config/app.config.js';
import { databaseConfig } from '../config/database.config.js';
import { AppException } from '../core/errors/app.exception.js';
import { buildDataSourceOptions } from '../core/database/data-source.options.js';
import { resolveDatabaseUrl } from '../core/database/database-url.js';
import { stopEmbeddedPostgres } from '../core/database/embedded-postgres.js';
import { CliFailure, print } from './cli-command.js';

/** DATABASE_URL, or the embedded cluster's URL outside production (started if needed). */
export function databaseUrl(): Promise<string> {
  return resolveDatabaseUrl(databaseConfig(), print);
}

/** A plain TypeORM data source (no Nest app) for the migration commands. */
export async function withDataSource<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const db = databaseConfig();
  const ds = new DataSource(
    buildDataSourceOptions(db, await databaseUrl(), `${appConfig().name}:cli`),
  );
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
    await stopEmbeddedPostgres();
  }
}

/** The whole application (not listening) for commands that call its services. */
export async function withApp<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  // A command is not a worker: no job of the queues runs in it, no scheduler is registered (and
  // it holds a dozen fewer database connections). The role is read when the app's config loads.
  process.env.PROCESS_ROLE = 'api';
  const { createApp } = await import('../bootstrap.js');
  const app = await createApp();
  try {
    return await fn(app);
  } finally {
    await app.close();
    await stopEmbeddedPostgres();
  }
}

/** An AppException with field errors as one line (`ADMIN_PASSWORD must be …`). */
export function refusal(error: unknown): CliFailure | undefined {
  if (!(error instanceof AppException)) return undefined;
  const fields = error.details.errors ?? [];
  return new CliFailure(
    fields.length ? fields.map((f) => `${f.field} ${f.message}`).join('; ') : error.message,
  );
}
