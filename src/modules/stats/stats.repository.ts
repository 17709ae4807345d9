import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  StatsInterval,
  StatsPoint,
  StatsSnapshotPoint,
} from '../../core/stats/stats-source.js';

/** Numbers computed from the database (not sampled from a process) carry no instance. */
export const DATABASE_INSTANCE = '';

const TABLES: Record<StatsInterval, string> = { hour: 'stats_hourly', day: 'stats_daily' };

const BUSY = Symbol('rollup lock taken');
/** How long a run that found the rollup lock taken waits before it tries again (ms). */
const LOCK_RETRY_MIN_MS = 25;
const LOCK_RETRY_MAX_MS = 1000;

export interface SeriesRow {
  bucket: Date;
  metric: string;
  series: string;
  value: number;
}

export interface SumRow {
  metric: string;
  series: string;
  value: number;
}

/** The stats module's own tables: the rollups, their watermarks and daily user activity. */
@Injectable()
export class StatsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Runs `work` in one transaction holding the rollup lock of `interval` (one run at a time, in
   * every instance). `work` reads the sources through the pool while it holds the lock, so a run
   * that finds the lock taken must not wait holding a connection (enough such waiters would take
   * the whole pool and starve the holder): it ends its transaction, waits, and tries again.
   */
  async inRollup<T>(interval: StatsInterval, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    for (let delay = LOCK_RETRY_MIN_MS; ; delay = Math.min(delay * 2, LOCK_RETRY_MAX_MS)) {
      const outcome = await this.db.transaction(async (tx) => {
        const [{ locked }]: Array<{ locked: boolean }> = await tx.query(
          "SELECT pg_try_advisory_xact_lock(hashtext('stats.rollup.' || $1)) AS locked",
          [interval],
        );
        return locked ? { value: await work(tx) } : BUSY;
      });
      if (outcome !== BUSY) return outcome.value;
      await sleep(delay);
    }
  }

  async watermark(tx: EntityManager, name: string): Promise<Date | undefined> {
    const rows: Array<{ position: Date }> = await tx.query(
      'SELECT position FROM stats_watermarks WHERE name = $1',
      [name],
    );
    return rows[0]?.position;
  }

  async setWatermark(tx: EntityManager, name: string, position: Date): Promise<void> {
    await tx.query(
      `INSERT INTO stats_watermarks (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [name, position],
    );
  }

  /** Replaces the database-computed rows of `metrics` in [from, to) with `points`. */
  async replace(
    tx: EntityManager,
    interval: StatsInterval,
    metrics: readonly string[],
    from: Date,
    to: Date,
    points: StatsPoint[],
  ): Promise<void> {
    const table = TABLES[interval];
    await tx.query(
      `DELETE FROM ${table}
       WHERE metric = ANY($1) AND bucket >= $2 AND bucket < $3 AND instance = $4`,
      [metrics, from, to, DATABASE_INSTANCE],
    );
    await this.insert(tx, table, points, DATABASE_INSTANCE, 'replace');
  }

  /** Adds sampled deltas of one instance to the open hour and day. */
  async addSample(instance: string, at: Date, points: StatsSnapshotPoint[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const interval of ['hour', 'day'] as const) {
        const bucket = truncate(at, interval);
        const rows = points.map((point) => ({ ...point, bucket }));
        await this.insert(tx, TABLES[interval], rows, instance, 'add');
      }
    });
  }

  private async insert(
    tx: EntityManager,
    table: string,
    points: StatsPoint[],
    instance: string,
    onConflict: 'replace' | 'add',
  ): Promise<void> {
    if (points.length === 0) return;
    const update = onConflict === 'add' ? `${table}.value + excluded.value` : 'excluded.value';
    await tx.query(
      `INSERT INTO ${table} (bucket, metric, series, instance, value)
       SELECT b, m, s, $4, v FROM unnest($1::timestamptz[], $2::text[], $3::text[], $5::float8[])
         AS p(b, m, s, v)
       ON CONFLICT (metric, bucket, series, instance) DO UPDATE SET value = ${update}`,
      [
        points.map((p) => p.bucket),
        points.map((p) => p.metric),
        points.map((p) => p.series),
        instance,
        points.map((p) => p.value),
      ],
    );
  }

  /** Every row of `metrics` in [from, to), summed over instances. */
  async series(
    interval: StatsInterval,
    metrics: readonly string[],
    from: Date,
    to: Date,
  ): Promise<SeriesRow[]> {
    const rows: Array<{ bucket: Date; metric: string; series: string; value: number }> =
      await this.db.query(
        `SELECT bucket, metric, series, sum(value) AS value FROM ${TABLES[interval]}
         WHERE metric = ANY($1) AND bucket >= $2 AND bucket < $3
         GROUP BY bucket, metric, series ORDER BY bucket`,
        [metrics, from, to],
      );
    return rows.map((row) => ({ ...row, value: Number(row.value) }));
  }

  /** Totals of `metrics` over [from, to), summed over buckets and instances. */
  async sums(
    interval: StatsInterval,
    metrics: readonly string[],
    from: Date,
    to: Date,
  ): Promise<SumRow[]> {
    const rows: SumRow[] = await this.db.query(
      `SELECT metric, series, sum(value) AS value FROM ${TABLES[interval]}
       WHERE metric = ANY($1) AND bucket >= $2 AND bucket < $3 GROUP BY metric, series`,
      [metrics, from, to],
    );
    return rows.map((row) => ({ ...row, value: Number(row.value) }));
  }

  /** The latest bucket's rows of each of `metrics` (gauges), each found through the key. */
  async latest(interval: StatsInterval, metrics: readonly string[]): Promise<SumRow[]> {
    const table = TABLES[interval];
    const rows: SumRow[] = await this.db.query(
      `SELECT m.metric, t.series, sum(t.value) AS value
       FROM unnest($1::text[]) AS m(metric)
       CROSS JOIN LATERAL (SELECT max(bucket) AS bucket FROM ${table} WHERE metric = m.metric) l
       JOIN ${table} t ON t.metric = m.metric AND t.bucket = l.bucket
       GROUP BY m.metric, t.series`,
      [metrics],
    );
    return rows.map((row) => ({ ...row, value: Number(row.value) }));
  }

  /** Drops hourly rows older than `before`: hourly series are served for 48 h only. */
  async pruneHourly(before: Date): Promise<void> {
    await this.db.query('DELETE FROM stats_hourly WHERE bucket < $1', [before]);
  }

  /** Records that these users were active on their day; a repeat does nothing. */
  async recordActivity(entries: Array<{ day: string; userId: string }>): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `INSERT INTO user_daily_activity (day, user_id)
       SELECT * FROM unnest($1::date[], $2::uuid[]) ON CONFLICT DO NOTHING`,
      [entries.map((e) => e.day), entries.map((e) => e.userId)],
    );
  }

  /** DAU, WAU (7 days) and MAU (30 days) as of each day in [from, to), through the primary key. */
  async activeUsers(from: Date, to: Date): Promise<StatsPoint[]> {
    const rows: Array<{ bucket: Date; dau: string; wau: string; mau: string }> =
      await this.db.query(
        `SELECT d.day::timestamp AT TIME ZONE 'UTC' AS bucket,
           (SELECT count(*) FROM user_daily_activity WHERE day = d.day) AS dau,
           (SELECT count(DISTINCT user_id) FROM user_daily_activity
             WHERE day > d.day - 7 AND day <= d.day) AS wau,
           (SELECT count(DISTINCT user_id) FROM user_daily_activity
             WHERE day > d.day - 30 AND day <= d.day) AS mau
         FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC')::date,
                              ($2::timestamptz AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS g(t)
         CROSS JOIN LATERAL (SELECT g.t::date AS day) AS d`,
        [from, to],
      );
    return rows.flatMap((row) =>
      (['dau', 'wau', 'mau'] as const).map((series) => ({
        bucket: row.bucket,
        metric: 'activity',
        series,
        value: Number(row[series]),
      })),
    );
  }
}

/** The start (UTC) of the hour or day `at` falls in. */
export function truncate(at: Date, interval: StatsInterval): Date {
  const d = new Date(at);
  if (interval === 'day') d.setUTCHours(0, 0, 0, 0);
  else d.setUTCMinutes(0, 0, 0);
  return d;
}

export const INTERVAL_MS: Record<StatsInterval, number> = { hour: 3_600_000, day: 86_400_000 };
