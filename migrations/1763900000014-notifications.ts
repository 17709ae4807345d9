import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications (one row per user and notification, with the channels it goes out on), the
 * users' per-type channel preferences, and admin broadcasts with their fan-out position.
 */
export class Notifications1763900000014 implements MigrationInterface {
  name = 'Notifications1763900000014';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_broadcasts (
        id uuid PRIMARY KEY,
        created_by uuid NOT NULL,
        title varchar(200) NOT NULL,
        body varchar(2000) NOT NULL,
        role varchar(50),
        status varchar(10) NOT NULL DEFAULT 'queued',
        -- The last user id reached: a retried job resumes after it.
        cursor uuid,
        delivered integer NOT NULL DEFAULT 0,
        job_id varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type varchar(64) NOT NULL,
        level varchar(10) NOT NULL,
        title varchar(200) NOT NULL,
        body varchar(2000) NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        entity_type varchar(64),
        entity_id varchar(64),
        dedupe_key varchar(200),
        broadcast_id uuid REFERENCES notification_broadcasts(id) ON DELETE SET NULL,
        in_app boolean NOT NULL,
        email boolean NOT NULL,
        realtime boolean NOT NULL,
        emailed_at timestamptz,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // "My notifications, newest first" and "my unread ones": the in-app list and its count.
    await q.query(`CREATE INDEX notifications_user_created
      ON notifications (user_id, created_at DESC, id DESC) WHERE in_app`);
    await q.query(`CREATE INDEX notifications_user_unread
      ON notifications (user_id, created_at DESC, id DESC) WHERE in_app AND read_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX notifications_dedupe
      ON notifications (user_id, type, dedupe_key) WHERE dedupe_key IS NOT NULL`);
    // A broadcast reaches each user once, however often its job is retried.
    await q.query(`CREATE UNIQUE INDEX notifications_broadcast_user
      ON notifications (broadcast_id, user_id) WHERE broadcast_id IS NOT NULL`);
    await q.query(`CREATE INDEX notifications_email_pending
      ON notifications (user_id, type) WHERE email AND emailed_at IS NULL`);
    await q.query('CREATE INDEX notifications_retention ON notifications (created_at)');
    await q.query(`
      CREATE TABLE notification_preferences (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type varchar(64) NOT NULL,
        -- NULL: the type's default for that channel.
        in_app boolean,
        email boolean,
        realtime boolean,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, type)
      )`);
    await q.query(`
      INSERT INTO permissions (name, description) VALUES
        ('notifications.broadcast', 'Send a notification to every user or to a role')`);
    await q.query(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r CROSS JOIN permissions p
      WHERE r.name = 'admin' AND p.name = 'notifications.broadcast'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM permissions WHERE name = 'notifications.broadcast'");
    await q.query('DROP TABLE notification_preferences');
    await q.query('DROP TABLE notifications');
    await q.query('DROP TABLE notification_broadcasts');
  }
}
