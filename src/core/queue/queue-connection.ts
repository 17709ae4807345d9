import type { ConfigType } from '@nestjs/config';
import type { ConnectionOptions } from 'bullmq';
import type { queueConfig } from '../../config/queue.config.js';
import { SafePgClient } from '../database/safe-pg-client.js';
import { QUEUE_SCHEMA } from './queue-schema.js';

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

/**
 * The `connection` for BullMQ: Redis when configured, else PostgreSQL (schema `bullmq`, migrated
 * once by migrateQueueSchema before any queue exists: each connection only checks its version).
 */
export function queueConnection(
  config: ConfigType<typeof queueConfig>,
  databaseUrl: string,
): ConnectionOptions {
  if (config.redisUrl) return redisConnectionOptions(config.redisUrl);
  const pg = {
    connectionString: databaseUrl,
    schema: QUEUE_SCHEMA,
    migrate: false,
    // BullMQ's PostgreSQL backend opens a pool per queue and per worker (plus a dedicated LISTEN
    // connection per worker), so these stay small: QUEUE_PG_POOL_SIZE each.
    max: config.pgPoolSize,
    Client: SafePgClient,
  };
  // Typed for Redis by @nestjs/bullmq; the PostgreSQL backend reads this shape.
  return pg as unknown as ConnectionOptions;
}
