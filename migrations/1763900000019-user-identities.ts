import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect / OAuth 2.0 sign-in. An account may now have no password (it signs in with
 * a provider only). `user_identities`: one row per provider account, unique on (issuer,
 * subject). `oidc_flows`: a started authorization, keyed by the hash of its `state`, consumed
 * once by the callback within 10 minutes. `oidc_tickets`: one-time codes, by hash: `exchange`
 * (callback → POST /auth/oidc/exchange, 60 s) and `link` (start of linking, 10 minutes).
 */
export class UserIdentities1763900000019 implements MigrationInterface {
  name = 'UserIdentities1763900000019';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL');
    await q.query(`
      CREATE TABLE user_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL,
        issuer varchar(500) NOT NULL,
        subject varchar(255) NOT NULL,
        email citext,
        email_verified boolean NOT NULL DEFAULT false,
        linked_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT user_identities_issuer_subject_key UNIQUE (issuer, subject)
      )`);
    await q.query('CREATE INDEX user_identities_user_idx ON user_identities (user_id, linked_at)');
    await q.query(`
      CREATE TABLE oidc_flows (
        state_hash char(64) PRIMARY KEY,
        provider varchar(32) NOT NULL,
        code_verifier varchar(128) NOT NULL,
        nonce varchar(128) NOT NULL,
        browser_hash char(64) NOT NULL,
        link_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        invite_token varchar(512),
        consents jsonb NOT NULL DEFAULT '[]',
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX oidc_flows_expires_idx ON oidc_flows (expires_at)');
    await q.query(`
      CREATE TABLE oidc_tickets (
        ticket_hash char(64) PRIMARY KEY,
        purpose varchar(16) NOT NULL CHECK (purpose IN ('exchange', 'link')),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        provider varchar(32) NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX oidc_tickets_expires_idx ON oidc_tickets (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS oidc_tickets');
    await q.query('DROP TABLE IF EXISTS oidc_flows');
    await q.query('DROP TABLE IF EXISTS user_identities');
    // Accounts without a password cannot keep existing under the old rule.
    await q.query('DELETE FROM users WHERE password_hash IS NULL');
    await q.query('ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL');
  }
}
