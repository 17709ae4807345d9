import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key claims and the answers they stored (src/core/idempotency). One row per caller,
 * route and key: claimed (response_status NULL) while the first request runs, then holding its
 * answer until expires_at. The body is stored AES-256-GCM encrypted: answers carry tokens.
 */
export class IdempotencyKeys1763900000010 implements MigrationInterface {
  name = 'IdempotencyKeys1763900000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope varchar(100) NOT NULL,
        route varchar(512) NOT NULL,
        key varchar(255) NOT NULL,
        fingerprint char(64) NOT NULL,
        owner uuid NOT NULL,
        response_status smallint,
        response_headers jsonb,
        response_body bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, route, key),
        CHECK ((completed_at IS NULL) = (response_status IS NULL))
      )`);
    await q.query('CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS idempotency_keys');
  }
}
