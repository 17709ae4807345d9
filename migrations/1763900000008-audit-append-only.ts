import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes `audit_log` append-only in the database, not only in the code: UPDATE and TRUNCATE are
 * refused, and DELETE only runs inside a transaction that declared itself the retention job
 * (`SET LOCAL audit.retention = 'on'`, see audit-retention.service.ts). Statement-level
 * triggers: nothing runs per row, so inserts and retention batches cost the same as before.
 * This guards against application bugs and stray manual statements; a role that can drop
 * triggers can still change history, so production should also keep the app's role from owning
 * the table (docs/deployment.md).
 */
export class AuditAppendOnly1763900000008 implements MigrationInterface {
  name = 'AuditAppendOnly1763900000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.retention', true) = 'on' THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Only the retention job deletes audit entries.';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`);
    await q.query(`
      CREATE TRIGGER audit_log_retention_only BEFORE DELETE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log');
    await q.query('DROP TRIGGER IF EXISTS audit_log_retention_only ON audit_log');
    await q.query('DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log');
    await q.query('DROP FUNCTION IF EXISTS audit_log_guard()');
  }
}
