import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lifecycle: email change tokens carry the pending address (`new_email`), and a soft
 * deleted account keeps why it was deleted until it is anonymised.
 */
export class AccountLifecycle1763900000003 implements MigrationInterface {
  name = 'AccountLifecycle1763900000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE user_tokens DROP CONSTRAINT IF EXISTS user_tokens_purpose_check');
    await q.query(`
      ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
        CHECK (purpose IN ('verify_email', 'reset_password', 'change_email'))`);
    await q.query('ALTER TABLE user_tokens ADD COLUMN new_email citext');
    await q.query(`
      ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_change_email_has_address
        CHECK (purpose <> 'change_email' OR new_email IS NOT NULL)`);
    await q.query('ALTER TABLE users ADD COLUMN deletion_reason varchar(500)');
    await q.query(
      'CREATE INDEX users_deleted_at_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS users_deleted_at_idx');
    await q.query('ALTER TABLE users DROP COLUMN IF EXISTS deletion_reason');
    await q.query("DELETE FROM user_tokens WHERE purpose = 'change_email'");
    await q.query(
      'ALTER TABLE user_tokens DROP CONSTRAINT IF EXISTS user_tokens_change_email_has_address',
    );
    await q.query('ALTER TABLE user_tokens DROP COLUMN IF EXISTS new_email');
    await q.query('ALTER TABLE user_tokens DROP CONSTRAINT IF EXISTS user_tokens_purpose_check');
    await q.query(`
      ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
        CHECK (purpose IN ('verify_email', 'reset_password'))`);
  }
}
