import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Single-use account tokens (email verification, password reset); only their SHA-256 is stored. */
export class UserTokens1763900000002 implements MigrationInterface {
  name = 'UserTokens1763900000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(30) NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
        token_hash char(64) NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz DEFAULT now()
      )`);
    await q.query('CREATE INDEX user_tokens_user_purpose_idx ON user_tokens (user_id, purpose)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS user_tokens');
  }
}
