import { Logger } from '@nestjs/common';
import { runMigrations } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { SafePgClient } from '../database/safe-pg-client.js';

/** The schema of BullMQ's PostgreSQL backend (its default). */
export const QUEUE_SCHEMA = 'bullmq';

/** Attempts and delay, as TypeORM's own start-up connection (DatabaseModule). */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;

/**
 * Brings the queue schema up to date once per process, before any queue or worker connects.
 *
 * BullMQ's PostgreSQL backend would otherwise migrate on every connection (one per queue and per
 * worker, each serialised behind an advisory lock), and it memoises the outcome: a connection whose
 * first attempt failed (say, "too many clients" while the server is busy) stays failed for the
 * life of the process, and a worker on it retries at once, forever, never yielding to the event
 * loop. With the schema migrated here, each connection only reads the migration ledger; a failure
 * here is retried like TypeORM's connection, then ends the start with the cause.
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
      if (attempt >= ATTEMPTS) throw error;
      logger.warn(
        { err: error, attempt, retryInMs: RETRY_DELAY_MS },
        'Queue schema migration failed; retrying',
      );
      await sleep(RETRY_DELAY_MS);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
