import type { ConfigType } from '@nestjs/config';
import { type ConnectionOptions, runMigrations } from 'bullmq';
import pg from 'pg';
import type { queueConfig } from '../../config/queue.config.js';
import { SafePgClient } from '../database/safe-pg-client.js';

export function redisConnectionOptions(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

const QUEUE_SCHEMA = 'bullmq';

/**
 * Brings the PostgreSQL backend's schema up to date on one dedicated session (BullMQ's own
 * migrator, under its advisory lock): once per process instead of once per queue and worker.
 */
export async function migrateQueueSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'queue-migrate',
  });
  await client.connect();
  try {
    await runMigrations(client, QUEUE_SCHEMA);
  } finally {
    await client.end();
  }
}

/** The `connection` for BullMQ: Redis when configured, else PostgreSQL (schema `bullmq`). */
export function queueConnection(
  config: ConfigType<typeof queueConfig>,
  databaseUrl: string,
): ConnectionOptions {
  if (config.redisUrl) return redisConnectionOptions(config.redisUrl);
  const pg = {
    connectionString: databaseUrl,
    schema: QUEUE_SCHEMA,
    // Migrated once per process before any queue exists (migrateQueueSchema): every queue and
    // worker connection would otherwise take the migration lock in turn at start.
    migrate: false,
    // BullMQ's PostgreSQL backend opens a pool per queue and per worker (plus a dedicated LISTEN
    // connection per worker), so these stay small: QUEUE_PG_POOL_SIZE each.
    max: config.pgPoolSize,
    Client: SafePgClient,
  };
  // Typed for Redis by @nestjs/bullmq; the PostgreSQL backend reads this shape.
  return pg as unknown as ConnectionOptions;
}
