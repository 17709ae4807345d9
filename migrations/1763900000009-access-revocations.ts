import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revoked sessions and blocked users whose access tokens must stop working before they expire.
 * Rows live as long as the longest access token; every instance keeps them in memory and
 * learns of new ones through LISTEN/NOTIFY (src/core/auth/access-revocations.service.ts).
 */
export class AccessRevocations1763900000009 implements MigrationInterface {
  name = 'AccessRevocations1763900000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_revocations (
        kind varchar(16) NOT NULL CHECK (kind IN ('session', 'user')),
        subject uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (kind, subject)
      )`);
    await q.query('CREATE INDEX access_revocations_expires_idx ON access_revocations (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS access_revocations');
  }
}
