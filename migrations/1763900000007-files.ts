import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploaded files: metadata only, the bytes live in the storage driver under `storage_key`
 * (generated, never derived from user input). Soft delete; a daily job purges the objects.
 */
export class Files1763900000007 implements MigrationInterface {
  name = 'Files1763900000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE files (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        kind varchar(20) NOT NULL CHECK (kind IN ('avatar', 'attachment')),
        status varchar(20) NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
        storage_driver varchar(10) NOT NULL,
        storage_key varchar(512) NOT NULL UNIQUE,
        name varchar(255) NOT NULL,
        mime_type varchar(127) NOT NULL,
        size bigint NOT NULL CHECK (size > 0),
        sha256 char(64) NOT NULL,
        width integer,
        height integer,
        has_thumbnails boolean NOT NULL DEFAULT false,
        failure_reason varchar(200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        deleted_at timestamptz,
        purged_at timestamptz
      )`);
    await q.query(
      'CREATE INDEX files_owner_idx ON files (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL',
    );
    await q.query(
      'CREATE INDEX files_owner_sha256_idx ON files (owner_id, sha256) WHERE deleted_at IS NULL',
    );
    await q.query(
      'CREATE INDEX files_purge_idx ON files (deleted_at) WHERE deleted_at IS NOT NULL AND purged_at IS NULL',
    );
    await q.query(`
      INSERT INTO permissions (name, description) VALUES
        ('files.read.any', 'Read and download any user''s files'),
        ('files.manage', 'Delete any user''s files')`);
    await q.query(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r CROSS JOIN permissions p
      WHERE r.name = 'admin' AND p.name IN ('files.read.any', 'files.manage')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM permissions WHERE name IN ('files.read.any', 'files.manage')");
    await q.query('DROP TABLE files');
  }
}
