import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two rules that code used to express as role names, now permissions granted to `admin`:
 * reading any user's job status with its raw error, and being required to use two-factor
 * (when AUTH_REQUIRE_2FA_FOR_ADMINS is on).
 */
export class JobAndTwoFactorPermissions1763900000013 implements MigrationInterface {
  name = 'JobAndTwoFactorPermissions1763900000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO permissions (name, description) VALUES
        ('jobs.read.any', 'Read any user''s job status, with the worker''s raw error'),
        ('auth.2fa.required', 'Must turn on two-factor authentication (AUTH_REQUIRE_2FA_FOR_ADMINS)')`);
    await q.query(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r CROSS JOIN permissions p
      WHERE r.name = 'admin' AND p.name IN ('jobs.read.any', 'auth.2fa.required')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM permissions WHERE name IN ('jobs.read.any', 'auth.2fa.required')");
  }
}
