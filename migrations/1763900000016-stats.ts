import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stats module's own tables: hourly and daily rollups (one row per bucket, metric, series
 * and instance; `instance` is '' for numbers computed from the database, an instance id for
 * counters sampled from a process), the rollup's watermarks, and daily user activity.
 */
export class Stats1763900000016 implements MigrationInterface {
  name = 'Stats1763900000016';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['stats_hourly', 'stats_daily']) {
      // metric first: every read is "one metric over a range" or "its latest bucket".
      await q.query(`
        CREATE TABLE ${table} (
          bucket timestamptz NOT NULL,
          metric varchar(64) NOT NULL,
          series varchar(128) NOT NULL,
          instance varchar(128) NOT NULL DEFAULT '',
          value double precision NOT NULL,
          PRIMARY KEY (metric, bucket, series, instance)
        )`);
    }
    await q.query(`
      CREATE TABLE stats_watermarks (
        name varchar(64) PRIMARY KEY,
        position timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE user_daily_activity (
        day date NOT NULL,
        user_id uuid NOT NULL,
        PRIMARY KEY (day, user_id)
      )`);
    // The files and notifications stats sources count by time range: without these the rollup
    // of one hour would scan the whole table.
    await q.query('CREATE INDEX IF NOT EXISTS files_created_at_idx ON files (created_at)');
    await q.query(
      'CREATE INDEX IF NOT EXISTS notifications_read_at_idx ON notifications (read_at) WHERE read_at IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS notifications_read_at_idx');
    await q.query('DROP INDEX IF EXISTS files_created_at_idx');
    await q.query('DROP TABLE IF EXISTS user_daily_activity');
    await q.query('DROP TABLE IF EXISTS stats_watermarks');
    await q.query('DROP TABLE IF EXISTS stats_daily');
    await q.query('DROP TABLE IF EXISTS stats_hourly');
  }
}
