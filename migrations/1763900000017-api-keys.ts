import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys for machine clients: only the SHA-256 of the secret is stored (unique: the lookup),
 * with a display prefix, the scopes (permission names) and the key's lifetime. `created_by`
 * differs from `owner_id` when an admin made the key for a service account. audit_log gets the
 * id of the key an entry was made with.
 */
export class ApiKeys1763900000017 implements MigrationInterface {
  name = 'ApiKeys1763900000017';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        name varchar(100) NOT NULL,
        prefix char(8) NOT NULL,
        key_hash char(64) NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        rotated_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash)');
    await q.query('CREATE INDEX api_keys_owner_idx ON api_keys (owner_id, created_at)');
    await q.query(
      'CREATE INDEX api_keys_created_by_idx ON api_keys (created_by) WHERE created_by IS NOT NULL',
    );
    // What a key did (actor_type 'api'): no foreign key, the history outlives the key.
    await q.query('ALTER TABLE audit_log ADD COLUMN api_key_id uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_log DROP COLUMN IF EXISTS api_key_id');
    await q.query('DROP TABLE IF EXISTS api_keys');
  }
}
