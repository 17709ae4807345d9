import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verified webhook deliveries, one row per (source, webhook-id): the unique key turns a replayed
 * delivery into a no-op. `payload` holds the exact bytes that were signed (any content type).
 */
export class WebhookEvents1763900000011 implements MigrationInterface {
  name = 'WebhookEvents1763900000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY,
        source varchar(63) NOT NULL,
        event_id varchar(256) NOT NULL,
        signed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        content_type varchar(255),
        payload bytea NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'received'
          CHECK (status IN ('received', 'processed', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        processed_at timestamptz,
        error varchar(1000),
        CONSTRAINT webhook_events_source_event_key UNIQUE (source, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS webhook_events');
  }
}
