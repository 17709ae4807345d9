import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin search's rare filter combinations, measured with EXPLAIN on 1 M rows
 * (docs/performance.md, "Audit log at scale"):
 * - entity pages: `id` joins the entity index so the keyset condition `(occurred_at, id) < (…)`
 *   is an index condition and no sort is needed, in both directions. It supersedes
 *   audit_log_entity_idx (its prefix), which is dropped.
 * - failure filters: a small partial index; without it a rare action + `status=failure` search
 *   walked the whole time index (~300 ms at 1 M rows, 0 matches).
 * An `(action text_pattern_ops, occurred_at, id)` index was measured and brought nothing: an
 * action prefix is a range, so the page is sorted either way, and audit_log_action_idx serves it.
 */
export class AuditIndexes1763900000006 implements MigrationInterface {
  name = 'AuditIndexes1763900000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS audit_log_entity_time_idx
       ON audit_log (entity_type, entity_id, occurred_at DESC, id DESC)`,
    );
    await q.query('DROP INDEX IF EXISTS audit_log_entity_idx');
    await q.query(
      `CREATE INDEX IF NOT EXISTS audit_log_failure_idx
       ON audit_log (occurred_at DESC, id DESC) WHERE status = 'failure'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS audit_log_failure_idx');
    await q.query(
      `CREATE INDEX IF NOT EXISTS audit_log_entity_idx
       ON audit_log (entity_type, entity_id, occurred_at DESC)`,
    );
    await q.query('DROP INDEX IF EXISTS audit_log_entity_time_idx');
  }
}
