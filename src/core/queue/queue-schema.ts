import { Logger } from '@nestjs/common';
import { runMigrations } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { SafePgClient } from '../database/safe-pg-client.js';
import { DATABASE_START_RETRY } from '../database/start-retry.js';

/** The schema of BullMQ's PostgreSQL backend (its default). */
export const QUEUE_SCHEMA = 'bullmq';

/**
 * Brings the queue schema up to date once per process, before any queue or worker connects.
 *
 * BullMQ's PostgreSQL backend would otherwise migrate on every connection (one per queue and per
 * worker, each serialised behind an advisory lock), and it memoises the outcome: a connection whose
 * first attempt failed (say, "too many clients" while the server is busy) stays failed for the
 * life of the process, and a worker on it retries at once, forever, never yielding to the event
 * loop. With the schema migrated here, each connection only reads the migration ledger; a failure
 * here is retried as TypeORM's first connection is (DATABASE_START_RETRY), then ends the start
 * with the cause.
 */
export async function migrateQueueSchema(databaseUrl: string): Promise<void> {
  const logger = new Logger('Queue');
  for (let attempt = 1; ; attempt++) {
    const client = new SafePgClient({
      connectionString: databaseUrl,
      application_name: 'queue-migrations',
    });
    try {
      await client.connect();
      await runMigrations(client, QUEUE_SCHEMA);
      return;
    } catch (error) {
      if (attempt >= DATABASE_START_RETRY.attempts) throw error;
      logger.warn(
        { err: error, attempt, retryInMs: DATABASE_START_RETRY.delayMs },
        'Queue schema migration failed; retrying',
      );
      await sleep(DATABASE_START_RETRY.delayMs);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
