import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TOTP two-factor authentication: the user's secret (AES-256-GCM encrypted, set at setup and
 * active once two_factor_enabled_at is set) and ten single-use backup codes, SHA-256 only.
 */
export class TwoFactor1763900000004 implements MigrationInterface {
  name = 'TwoFactor1763900000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN two_factor_secret text');
    await q.query('ALTER TABLE users ADD COLUMN two_factor_enabled_at timestamptz');
    await q.query(`
      CREATE TABLE two_factor_backup_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash char(64) NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX two_factor_backup_codes_user_idx ON two_factor_backup_codes (user_id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS two_factor_backup_codes');
    await q.query('ALTER TABLE users DROP COLUMN IF EXISTS two_factor_enabled_at');
    await q.query('ALTER TABLE users DROP COLUMN IF EXISTS two_factor_secret');
  }
}
