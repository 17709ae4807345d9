#!/usr/bin/env node
/**
 * Stats at scale: seeds a throwaway database (users, audit entries, files, a month of daily
 * activity) with generate_series, boots the built app in-process (NODE_ENV=production,
 * PROCESS_ROLE=api) and measures every stats endpoint warm through Fastify's inject (p50/p99,
 * cache off and on), one day's rollup, and a raw pg baseline running the same read SQL.
 *
 *   npm run bench:stats                       # = npm run build && node bench/stats-bench.mjs
 *   STATS_BENCH_USERS=100000 STATS_BENCH_AUDIT=1000000 STATS_BENCH_FILES=100000 node bench/stats-bench.mjs
 *
 * Options: STATS_BENCH_USERS (1000000), STATS_BENCH_AUDIT (10000000), STATS_BENCH_FILES (1000000),
 * STATS_BENCH_CALLS per endpoint (200), BENCH_PG_ADMIN_URL. The database is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createThrowawayDatabase, log, migrateDatabase } from './lib.mjs';

const int = (name, fallback) => Number(process.env[name] ?? fallback);
const USERS = int('STATS_BENCH_USERS', 1_000_000);
const AUDIT = int('STATS_BENCH_AUDIT', 10_000_000);
const FILES = int('STATS_BENCH_FILES', 1_000_000);
const CALLS = int('STATS_BENCH_CALLS', 200);
const DAYS = 30;
const CHUNK = 1_000_000;

async function timed(label, work) {
  const started = performance.now();
  const result = await work();
  log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function seed(db) {
  await timed(`users ${USERS}`, () =>
    db.query(
      `INSERT INTO users (email, password_hash, email_verified_at, banned_at, created_at)
       SELECT 'u' || g || '@bench.test', 'x',
              CASE WHEN g % 10 <> 0 THEN now() END, CASE WHEN g % 100 = 0 THEN now() END,
              now() - (g % ${DAYS * 24}) * interval '1 hour' - (g % 3600) * interval '1 second'
       FROM generate_series(1, $1) g`,
      [USERS],
    ),
  );
  await timed(`files ${FILES}`, async () => {
    for (let from = 1; from <= FILES; from += CHUNK) {
      await db.query(
        `INSERT INTO files (id, owner_id, kind, status, storage_driver, storage_key, name, mime_type, size, sha256, created_at)
         SELECT gen_random_uuid(), u.id, 'attachment', 'ready', 'local', 'k/' || g, 'f', 'text/plain',
                1 + (g::bigint * 7919) % 10000000, repeat('a', 64),
                now() - (g % ${DAYS * 24}) * interval '1 hour'
         FROM generate_series($1::int, $2::int) g
         JOIN LATERAL (SELECT id FROM users WHERE email = 'u' || (1 + g % $3) || '@bench.test') u ON true`,
        [from, Math.min(FILES, from + CHUNK - 1), Math.min(USERS, 10_000)],
      );
    }
  });
  await timed(`audit ${AUDIT}`, async () => {
    for (let from = 1; from <= AUDIT; from += CHUNK) {
      await db.query(
        `INSERT INTO audit_log (occurred_at, actor_type, action, status)
         SELECT now() - ($2::bigint - g) * (interval '${DAYS} days' / $2::bigint), 'user',
                CASE g % 10 WHEN 0 THEN 'auth.login.failed' WHEN 1 THEN 'auth.login.succeeded'
                  WHEN 2 THEN 'auth.login.succeeded' WHEN 3 THEN 'auth.login.succeeded'
                  ELSE 'auth.token.refreshed' END,
                CASE g % 10 WHEN 0 THEN 'failure' ELSE 'success' END
         FROM generate_series($1::bigint, $3::bigint) g`,
        [from, AUDIT, Math.min(AUDIT, from + CHUNK - 1)],
      );
    }
  });
  await timed('activity (10% of users per day)', () =>
    db.query(
      `INSERT INTO user_daily_activity (day, user_id)
       SELECT d::date, id FROM generate_series(current_date - ${DAYS - 1}, current_date, '1 day') d
       CROSS JOIN LATERAL (SELECT id FROM users TABLESAMPLE SYSTEM (10)) u ON CONFLICT DO NOTHING`,
    ),
  );
  await timed('vacuum analyze', () => db.query('VACUUM ANALYZE'));
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function measure(label, call) {
  for (let i = 0; i < 5; i++) await call(); // warm
  const ms = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const row = { label, p50: pct(ms, 50).toFixed(2), p99: pct(ms, 99).toFixed(2) };
  log(`${label}: p50 ${row.p50} ms, p99 ${row.p99} ms`);
  return row;
}

async function main() {
  const { databaseUrl, drop } = await createThrowawayDatabase('stats_bench');
  const env = {
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PROCESS_ROLE: 'api',
    JWT_SECRET: randomBytes(32).toString('hex'),
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMIT_STATS: '1000000/1m',
    RATE_LIMIT_DEFAULT: '1000000/1m',
    STATS_ROLLUP_MAX_BUCKETS: '24',
    STATS_BACKFILL_DAYS: '1',
  };
  migrateDatabase(databaseUrl, env);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const results = [];
  try {
    await seed(db);
    Object.assign(process.env, env);
    const { createApp } = await import('../dist/src/bootstrap.js');
    const { StatsRollupService } =
      await import('../dist/src/modules/stats/stats-rollup.service.js');
    const { StatsService } = await import('../dist/src/modules/stats/stats.service.js');
    const { AccessTokenService } = await import('../dist/src/core/auth/access-token.service.js');
    const app = await createApp({});
    await app.getHttpAdapter().getInstance().ready();
    const fastify = app.getHttpAdapter().getInstance();
    const rollup = app.get(StatsRollupService);
    const stats = app.get(StatsService);
    const [adminUser] = await db.query('SELECT id FROM users LIMIT 1').then((r) => r.rows);
    await db.query(
      "INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'admin'",
      [adminUser.id],
    );
    const token = await app.get(AccessTokenService).sign({ id: adminUser.id, roles: ['admin'] });

    // One closed day (24 hourly buckets + 1 daily bucket), from its watermark.
    const day = new Date(Date.now() - 3 * 86_400_000);
    day.setUTCHours(0, 0, 0, 0);
    await db.query(
      "INSERT INTO stats_watermarks (name, position) VALUES ('rollup.hour', $1), ('rollup.day', $1)",
      [day],
    );
    const oneDay = await timed('rollup of one day', () =>
      rollup.run(new Date(day.getTime() + 86_400_000 + 1)),
    );
    const started = performance.now();
    await db.query('DELETE FROM stats_watermarks');
    await rollup.run(); // the current day with every snapshot (totals, top users)
    const current = ((performance.now() - started) / 1000).toFixed(2);
    log(
      `rollup of the open hour/day with snapshots: ${current} s (${JSON.stringify(oneDay.hour)})`,
    );

    const now = new Date();
    const from = new Date(now.getTime() - 24 * 3_600_000).toISOString();
    const dayFrom = new Date(now.getTime() - 30 * 86_400_000).toISOString();
    const endpoints = [
      ['GET /stats?period=day', '/api/v1/stats?period=day'],
      ['GET /stats?period=month', '/api/v1/stats?period=month'],
      [
        'GET /stats/timeseries sign_ins hour 24',
        `/api/v1/stats/timeseries?metric=sign_ins&from=${from}&to=${now.toISOString()}&interval=hour`,
      ],
      [
        'GET /stats/timeseries api_latency day 30',
        `/api/v1/stats/timeseries?metric=api_latency&from=${dayFrom}&to=${now.toISOString()}&interval=day`,
      ],
      ['GET /stats/metrics', '/api/v1/stats/metrics'],
    ];
    for (const [label, path] of endpoints) {
      const call = async () => {
        const res = await fastify.inject({
          url: path,
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body}`);
      };
      results.push(await measure(`${label} (no cache)`, async () => (stats.clearCache(), call())));
      results.push(await measure(`${label} (cached)`, call));
    }
    const gql = async () => {
      const res = await fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: {
          query: '{ systemStats(period: "week") { users { total dau } api { requests } } }',
        },
      });
      if (res.statusCode !== 200 || res.json().errors) throw new Error(res.body);
    };
    results.push(
      await measure(
        'GraphQL systemStats(week) (no cache)',
        async () => (stats.clearCache(), gql()),
      ),
    );

    // Raw baseline: the same read SQL through pg, no Nest, no HTTP.
    const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    const begin = new Date(hour.getTime() - 23 * 3_600_000);
    const end = new Date(hour.getTime() + 3_600_000);
    results.push(
      await measure('raw SQL: the totals reads of period=day', () =>
        Promise.all([
          db.query(
            'SELECT metric, series, sum(value) FROM stats_hourly WHERE metric = ANY($1) AND bucket >= $2 AND bucket < $3 GROUP BY 1, 2',
            [
              [
                'users.new',
                'sign_ins',
                'uploads',
                'notifications',
                'queue.jobs',
                'http.requests',
                'http.duration',
              ],
              begin,
              end,
            ],
          ),
          db.query(
            `SELECT m.metric, t.series, sum(t.value) FROM unnest($1::text[]) AS m(metric)
             CROSS JOIN LATERAL (SELECT max(bucket) AS bucket FROM stats_hourly WHERE metric = m.metric) l
             JOIN stats_hourly t ON t.metric = m.metric AND t.bucket = l.bucket GROUP BY 1, 2`,
            [
              [
                'users.total',
                'users.banned',
                'users.unverified',
                'storage',
                'storage.top_bytes',
                'storage.top_files',
              ],
            ],
          ),
        ]),
      ),
    );
    const rawStart = performance.now();
    await db.query(
      `SELECT date_trunc('hour', occurred_at, 'UTC'), count(*) FROM audit_log
       WHERE action = 'auth.login.succeeded' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY 1`,
      [day, new Date(day.getTime() + 86_400_000)],
    );
    log(`raw SQL: one day of sign-ins by hour: ${(performance.now() - rawStart).toFixed(0)} ms`);
    await app.close();
    console.log('| measurement | p50 ms | p99 ms |\n| --- | --- | --- |');
    for (const r of results) console.log(`| ${r.label} | ${r.p50} | ${r.p99} |`);
  } finally {
    await db.end();
    await drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
