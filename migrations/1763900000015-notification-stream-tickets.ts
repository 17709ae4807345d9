import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Short-lived, single-use tickets that open a notification stream where a header cannot be
 * sent (EventSource). Only the SHA-256 of a ticket is stored; consuming deletes the row, so
 * any instance accepts a ticket once (src/modules/notifications/realtime/stream-tickets.*).
 */
export class NotificationStreamTickets1763900000015 implements MigrationInterface {
  name = 'NotificationStreamTickets1763900000015';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_stream_tickets (
        token_hash bytea PRIMARY KEY,
        user_id uuid NOT NULL,
        session_id text,
        roles text[] NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX notification_stream_tickets_expires_idx ON notification_stream_tickets (expires_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS notification_stream_tickets');
  }
}
