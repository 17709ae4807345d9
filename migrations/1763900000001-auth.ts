import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, sessions (refresh-token families), roles and permissions as data, seeded. */
export class Auth1763900000001 implements MigrationInterface {
  name = 'Auth1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email citext NOT NULL,
        username citext,
        password_hash text NOT NULL,
        email_verified_at timestamptz,
        first_name varchar(100),
        last_name varchar(100),
        bio varchar(500),
        timezone varchar(64),
        locale varchar(35),
        avatar_file_id uuid,
        banned_at timestamptz,
        ban_reason varchar(500),
        banned_until timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX users_email_key ON users (email)');
    await q.query(
      'CREATE UNIQUE INDEX users_username_key ON users (username) WHERE username IS NOT NULL',
    );
    await q.query('CREATE INDEX users_created_at_idx ON users (created_at)');

    await q.query(`
      CREATE TABLE roles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(50) NOT NULL UNIQUE,
        description varchar(200) NOT NULL DEFAULT ''
      )`);
    await q.query(`
      CREATE TABLE permissions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL UNIQUE,
        description varchar(200) NOT NULL DEFAULT ''
      )`);
    await q.query(`
      CREATE TABLE role_permissions (
        role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
        permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
        PRIMARY KEY (role_id, permission_id)
      )`);
    await q.query(
      'CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id)',
    );
    await q.query(`
      CREATE TABLE user_roles (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, role_id)
      )`);
    await q.query('CREATE INDEX user_roles_role_idx ON user_roles (role_id)');

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        refresh_token_hash char(64) NOT NULL,
        ip varchar(64),
        user_agent varchar(512),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason varchar(50)
      )`);
    await q.query(
      'CREATE UNIQUE INDEX sessions_refresh_token_hash_key ON sessions (refresh_token_hash)',
    );
    await q.query('CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC)');
    await q.query(`
      CREATE TABLE rotated_refresh_tokens (
        token_hash char(64) PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        rotated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX rotated_refresh_tokens_session_idx ON rotated_refresh_tokens (session_id)',
    );

    await q.query(`
      INSERT INTO roles (name, description) VALUES
        ('admin', 'Full access, including user administration'),
        ('user', 'A registered user')`);
    await q.query(`
      INSERT INTO permissions (name, description) VALUES
        ('users.read', 'List and read any user'),
        ('users.manage', 'Update, ban and unban users'),
        ('roles.assign', 'Assign and revoke roles'),
        ('health.details', 'Read detailed health'),
        ('audit.read', 'Search all audit entries'),
        ('stats.read', 'Read system statistics')`);
    await q.query(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r CROSS JOIN permissions p WHERE r.name = 'admin'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'rotated_refresh_tokens',
      'sessions',
      'user_roles',
      'role_permissions',
      'permissions',
      'roles',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
