import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only audit log. The code has no update or delete path; retention (a scheduled
 * job) is the only thing that removes rows. Indexes serve the newest-first keyset searches.
 */
export class Audit1763900000005 implements MigrationInterface {
  name = 'Audit1763900000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_type varchar(10) NOT NULL CHECK (actor_type IN ('user', 'system', 'api')),
        action varchar(100) NOT NULL,
        entity_type varchar(50),
        entity_id varchar(100),
        old_values jsonb,
        new_values jsonb,
        ip varchar(64),
        user_agent varchar(512),
        request_id varchar(128),
        status varchar(10) NOT NULL CHECK (status IN ('success', 'failure')),
        description varchar(1000),
        PRIMARY KEY (id)
      )`);
    await q.query('CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at DESC, id DESC)');
    await q.query(
      'CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at DESC, id DESC)',
    );
    await q.query(
      'CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, occurred_at DESC)',
    );
    await q.query(
      'CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, occurred_at DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS audit_log');
  }
}
