import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registration by invite and consent records: single-use invites (only the SHA-256 of the token
 * is stored), one row per consent grant or withdrawal (the history; the latest row per purpose
 * is the current state), the account's choice between erasure and anonymisation at deletion,
 * and the `invites.create` permission for `admin`.
 */
export class RegistrationConsents1763900000018 implements MigrationInterface {
  name = 'RegistrationConsents1763900000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL UNIQUE,
        email citext,
        role_id uuid REFERENCES roles (id) ON DELETE CASCADE,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        used_by uuid REFERENCES users (id) ON DELETE SET NULL
      )`);
    await q.query(`
      CREATE TABLE consents (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(20) NOT NULL CHECK (purpose IN ('essential', 'analytics', 'marketing')),
        granted boolean NOT NULL,
        policy_version varchar(50) NOT NULL,
        ip varchar(64),
        user_agent varchar(512),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX consents_user_purpose_idx ON consents (user_id, purpose, id DESC)');
    await q.query(`
      ALTER TABLE users ADD COLUMN deletion_mode varchar(10)
        CHECK (deletion_mode IN ('erase', 'anonymise'))`);
    await q.query(`
      INSERT INTO permissions (name, description)
      VALUES ('invites.create', 'Issue registration invites (REGISTRATION_MODE=invite)')`);
    await q.query(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r CROSS JOIN permissions p
      WHERE r.name = 'admin' AND p.name = 'invites.create'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM permissions WHERE name = 'invites.create'");
    await q.query('ALTER TABLE users DROP COLUMN IF EXISTS deletion_mode');
    await q.query('DROP TABLE IF EXISTS consents');
    await q.query('DROP TABLE IF EXISTS invites');
  }
}
