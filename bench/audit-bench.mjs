#!/usr/bin/env node
/**
 * Audit log at scale: seeds a throwaway database with N audit_log rows and measures the admin
 * queries exactly as src/modules/audit/audit.service.ts issues them, plus the capture path's
 * multi-row INSERT throughput (500 entries per statement, as audit-writer.ts does).
 *
 *   npm run bench:audit                                   # = npm run build && node bench/audit-bench.mjs
 *   AUDIT_BENCH_ROWS=1000000 node bench/audit-bench.mjs   # after `npm run build`
 *
 * Options (environment):
 *   AUDIT_BENCH_ROWS         rows to seed                                   (default 10000000)
 *   AUDIT_BENCH_REPS         repetitions per query scenario                 (default 200)
 *   AUDIT_BENCH_MAX_SECONDS  time cap per scenario; fewer reps if reached    (default 30)
 *   AUDIT_BENCH_INSERT_SECONDS  duration of the insert throughput run       (default 10)
 *   BENCH_PG_ADMIN_URL       where to create the throwaway database
 *                            (default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * The throwaway database `audit_bench_<pid>` is dropped at the end, also on failure and Ctrl-C.
 * Results: a markdown table on stdout and bench/results/audit-latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { COUNT_CAP } from '../dist/src/modules/audit/audit.repository.js';
import {
  createThrowawayDatabase,
  log,
  migrateDatabase,
  nonNegativeInt as int,
  RESULTS_DIR,
} from './lib.mjs';
const CHUNK = 1_000_000;
const ACTORS = 10_000;
const DAYS = 120;

const ROWS = int('AUDIT_BENCH_ROWS', 10_000_000);
const REPS = int('AUDIT_BENCH_REPS', 200);
const MAX_SECONDS = int('AUDIT_BENCH_MAX_SECONDS', 30);
const INSERT_SECONDS = int('AUDIT_BENCH_INSERT_SECONDS', 10);

const ACTIONS = [
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.logout',
  'auth.registered',
  'auth.email.changed',
  'auth.email.verified',
  'auth.password.changed',
  'auth.password.reset',
  'auth.refresh.reused',
  'auth.session.revoked',
  'auth.mfa.enabled',
  'auth.mfa.disabled',
  'auth.token.refreshed',
  'user.banned',
  'user.unbanned',
  'user.deleted',
  'user.updated',
  'user.profile.updated',
  'user.role.assigned',
  'user.role.revoked',
  'user.exported',
  'role.created',
  'role.updated',
  'role.deleted',
  'api_key.created',
  'api_key.revoked',
  'file.uploaded',
  'file.deleted',
  'setting.updated',
  'admin.impersonated',
];
// Weights: logins and refreshes dominate real audit logs.
const WEIGHTS = ACTIONS.map((a) =>
  a === 'auth.login.succeeded'
    ? 30
    : a === 'auth.token.refreshed'
      ? 20
      : a === 'auth.logout'
        ? 10
        : 1,
);

// The app's SQL (src/modules/audit/audit.service.ts), verbatim.
const KEY = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const PAGE_SQL = (where, limitParam) =>
  `SELECT a.*, a.id::text AS id_text, ${KEY} AS sort_key FROM audit_log a
       WHERE ${where} ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${limitParam}`;
const COUNT_SQL = (where) =>
  `SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_log WHERE ${where} LIMIT ${COUNT_CAP}) capped`;
const ACTIVITY_COUNTS = `SELECT action, count(*)::int AS count FROM audit_log
       WHERE entity_type = 'user' AND entity_id = $1 GROUP BY action ORDER BY action`;
const ACTIVITY_LOGIN = `SELECT occurred_at, ip FROM audit_log
       WHERE entity_type = 'user' AND entity_id = $1 AND action = 'auth.login.succeeded'
       ORDER BY occurred_at DESC, id DESC LIMIT 1`;
const ACTIVITY_FAILED = `SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'auth.login.failed' AND occurred_at > now() - interval '24 hours'
         AND lower(new_values->>'email') = lower($1)`;
const COLUMNS = 13;

let dropDatabase;
let cleaning;

const pick = (list) => list[Math.floor(Math.random() * list.length)];

function cleanup() {
  cleaning ??= (dropDatabase ? dropDatabase() : Promise.resolve()).catch((e) =>
    log(`could not drop the throwaway database: ${e.message}`),
  );
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

// --- seeding --------------------------------------------------------------------------------

function actionCase() {
  // Weighted pick from a random number r in [0, total).
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  let acc = 0;
  const arms = ACTIONS.map((a, i) => {
    acc += WEIGHTS[i];
    return `WHEN r < ${acc} THEN '${a}'`;
  });
  return { total, sql: `CASE ${arms.join(' ')} END` };
}

async function seed(client) {
  const { total, sql: actionSql } = actionCase();
  const started = performance.now();
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK - 1);
    const t = performance.now();
    // Rows arrive in time order (like a live log): occurred_at grows with g, plus jitter.
    await client.query(
      `INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, entity_type, entity_id,
         old_values, new_values, ip, user_agent, request_id, status, description)
       SELECT
         now() - interval '${DAYS} days' + (g::float8 / $1) * interval '${DAYS} days'
           + random() * interval '2 seconds',
         CASE WHEN kind < 0.90 THEN md5('actor' || actor)::uuid END,
         CASE WHEN kind < 0.90 THEN 'user' WHEN kind < 0.98 THEN 'system' ELSE 'api' END,
         action,
         CASE split_part(action, '.', 1) WHEN 'auth' THEN 'user' WHEN 'user' THEN 'user'
           WHEN 'admin' THEN 'user' ELSE split_part(action, '.', 1) END,
         CASE WHEN split_part(action, '.', 1) IN ('auth', 'user', 'admin')
           THEN md5('actor' || (CASE WHEN action LIKE 'auth.%' THEN actor ELSE target END))::uuid::text
           ELSE (g % 50000)::text END,
         CASE WHEN action LIKE 'user.%' THEN jsonb_build_object('status', 'active') END,
         CASE WHEN action = 'auth.login.failed'
           THEN jsonb_build_object('email', 'user' || actor || '@example.com')
           WHEN action LIKE 'user.%' THEN jsonb_build_object('status', 'changed') END,
         '10.' || (g % 250) || '.' || (actor % 250) || '.' || (g % 7),
         'Mozilla/5.0 (X11; Linux x86_64) bench/' || (actor % 40),
         md5(g::text),
         CASE WHEN action = 'auth.login.failed' OR random() < 0.02 THEN 'failure' ELSE 'success' END,
         'User ' || actor || ' ' || replace(action, '.', ' ') || ' via '
           || (ARRAY['web', 'mobile app', 'admin console', 'api client'])[1 + (g % 4)]
       FROM (
         SELECT g, random() AS kind,
                floor(power(random(), 2) * ${ACTORS})::int AS actor,
                floor(random() * ${ACTORS})::int AS target,
                floor(random() * ${total})::int AS r
         FROM generate_series($2::bigint, $3::bigint) g
       ) s, LATERAL (SELECT ${actionSql} AS action) x`,
      [ROWS, from, to],
    );
    log(
      `seeded ${to.toLocaleString('en')} rows (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  const seedSeconds = (performance.now() - started) / 1000;
  const t = performance.now();
  await client.query('VACUUM ANALYZE audit_log');
  const analyzeSeconds = (performance.now() - t) / 1000;
  const {
    rows: [size],
  } = await client.query(
    `SELECT pg_size_pretty(pg_table_size('audit_log')) AS heap,
            pg_size_pretty(pg_indexes_size('audit_log')) AS indexes`,
  );
  log(
    `seed ${seedSeconds.toFixed(1)} s, vacuum analyze ${analyzeSeconds.toFixed(1)} s, ${JSON.stringify(size)}`,
  );
  return { seedSeconds, analyzeSeconds, ...size };
}

// --- query scenarios ------------------------------------------------------------------------

/** Builds the two statements of AuditService.search for a filter and cursor. */
function search(filter, after) {
  const params = [];
  const param = (value) => `$${params.push(value)}`;
  const where = ['TRUE'];
  if (filter.actorId) where.push(`actor_id = ${param(filter.actorId)}::uuid`);
  if (filter.action) {
    where.push(`action LIKE ${param(`${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  }
  if (filter.status) where.push(`status = ${param(filter.status)}`);
  if (filter.from) where.push(`occurred_at >= ${param(filter.from)}::timestamptz`);
  if (filter.to) where.push(`occurred_at < ${param(filter.to)}::timestamptz`);
  const filterSql = where.join(' AND ');
  const filterParams = [...params];
  if (after) {
    where.push(
      `(occurred_at, id) < (${param(after.key)}::timestamptz, ${param(after.id)}::bigint)`,
    );
  }
  const pageSql = PAGE_SQL(where.join(' AND '), param(21));
  return [
    { name: 'page', sql: pageSql, params },
    { name: 'count', sql: COUNT_SQL(filterSql), params: filterParams },
  ];
}

function randomActor() {
  return Math.floor(Math.random() ** 2 * ACTORS);
}

function scenarios(ctx) {
  const day = 86_400_000;
  return [
    { id: 'first-page', title: 'First page (newest 20)', build: () => search({}) },
    {
      id: 'filtered-page',
      title: 'Filtered: action prefix + status + 7-day range',
      build: () => {
        const from = Date.now() - Math.random() * (DAYS - 7) * day - 7 * day;
        return search({
          action: pick(['auth.login.', 'user.', 'auth.', 'user.ban', 'role.']),
          status: Math.random() < 0.7 ? 'success' : 'failure',
          from: new Date(from).toISOString(),
          to: new Date(from + 7 * day).toISOString(),
        });
      },
    },
    {
      id: 'actor-page',
      title: "Actor's page (myAuditLogs)",
      build: () => search({ actorId: ctx.actorIds[randomActor()] }),
    },
    {
      id: 'deep-page',
      title: 'Deep page by cursor (~1 M rows deep)',
      build: () => search({}, pick(ctx.deepCursors)),
    },
    {
      id: 'user-activity',
      title: 'User activity summary (3 audit queries)',
      build: () => {
        const n = randomActor();
        return [
          { name: 'counts', sql: ACTIVITY_COUNTS, params: [ctx.actorIds[n]] },
          { name: 'last-login', sql: ACTIVITY_LOGIN, params: [ctx.actorIds[n]] },
          { name: 'failed-24h', sql: ACTIVITY_FAILED, params: [`user${n}@example.com`] },
        ];
      },
    },
  ];
}

const percentile = (sorted, p) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
    : NaN;

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

function walkPlan(node, out) {
  if (node['Index Name']) out.add(`${node['Index Name']} (${node['Node Type']})`);
  for (const child of node.Plans ?? []) walkPlan(child, out);
  return out;
}

async function explain(client, stmt) {
  const { rows } = await client.query(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${stmt.sql}`,
    stmt.params,
  );
  const plan = rows[0]['QUERY PLAN'][0];
  const indexes = [...walkPlan(plan.Plan, new Set())];
  const text = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${stmt.sql}`, stmt.params)).rows.map(
    (r) => r['QUERY PLAN'],
  );
  return {
    statement: stmt.name,
    topNode: plan.Plan['Node Type'],
    indexUsed: indexes.length > 0,
    indexes,
    seqScan: JSON.stringify(plan.Plan).includes('"Seq Scan"'),
    executionMs: plan['Execution Time'],
    sharedHit: plan.Plan['Shared Hit Blocks'],
    sharedRead: plan.Plan['Shared Read Blocks'],
    text,
  };
}

async function measure(client, scenario) {
  // Warm-up: a few runs so the first measured run does not pay for cold caches alone.
  for (let i = 0; i < 3; i++) for (const s of scenario.build()) await client.query(s.sql, s.params);
  const total = [];
  const per = {};
  const deadline = performance.now() + MAX_SECONDS * 1000;
  for (let i = 0; i < REPS && performance.now() < deadline; i++) {
    let sum = 0;
    for (const s of scenario.build()) {
      const t = performance.now();
      await client.query(s.sql, s.params);
      const ms = performance.now() - t;
      sum += ms;
      (per[s.name] ??= []).push(ms);
    }
    total.push(sum);
  }
  const plans = [];
  for (const s of scenario.build()) plans.push(await explain(client, s));
  return {
    id: scenario.id,
    title: scenario.title,
    total: summarize(total),
    statements: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, summarize(v)])),
    plans,
  };
}

// --- capture path ---------------------------------------------------------------------------

function writerBatch(actorIds) {
  const params = [];
  const rows = [];
  for (let i = 0; i < 500; i++) {
    const n = randomActor();
    const action = pick(ACTIONS);
    params.push(
      new Date(),
      actorIds[n],
      'user',
      action,
      'user',
      actorIds[n],
      null,
      JSON.stringify({ status: 'changed' }),
      '10.0.0.1',
      'Mozilla/5.0 (X11; Linux x86_64) bench',
      `req-${Math.random().toString(36).slice(2)}`,
      'success',
      `User ${n} ${action.replaceAll('.', ' ')}`,
    );
    const p = (k) => `$${i * COLUMNS + k}`;
    rows.push(`(${p(1)}::timestamptz, ${p(2)}::uuid, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::jsonb,
               ${p(8)}::jsonb, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, ${p(13)})`);
  }
  const sql = `INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, entity_type,
      entity_id, old_values, new_values, ip, user_agent, request_id, status, description)
      VALUES ${rows.join(', ')}`;
  return { sql, params };
}

async function insertThroughput(client, actorIds) {
  const batches = Array.from({ length: 20 }, () => writerBatch(actorIds));
  const latencies = [];
  let entries = 0;
  const started = performance.now();
  const end = started + INSERT_SECONDS * 1000;
  while (performance.now() < end) {
    const b = batches[latencies.length % batches.length];
    const t = performance.now();
    await client.query(b.sql, b.params);
    latencies.push(performance.now() - t);
    entries += 500;
  }
  const seconds = (performance.now() - started) / 1000;
  return { entries, seconds, entriesPerSecond: entries / seconds, batch: summarize(latencies) };
}

// --- main -----------------------------------------------------------------------------------

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

async function main() {
  const throwaway = await createThrowawayDatabase('audit_bench');
  dropDatabase = throwaway.drop;
  const { databaseUrl } = throwaway;
  migrateDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    log(`seeding ${ROWS.toLocaleString('en')} rows in chunks of ${CHUNK.toLocaleString('en')}`);
    const seedInfo = await seed(client);
    const actorIds = (
      await client.query(
        `SELECT md5('actor' || n)::uuid::text AS id FROM generate_series(0, ${ACTORS - 1}) n ORDER BY n`,
      )
    ).rows.map((r) => r.id);
    const depth = Math.min(1_000_000, Math.floor(ROWS / 2));
    const deepCursors = [];
    for (const offset of [depth - 2000, depth - 1000, depth, depth + 1000, depth + 2000]) {
      const { rows } = await client.query(
        `SELECT ${KEY} AS key, id::text AS id FROM audit_log
         ORDER BY occurred_at DESC, id DESC OFFSET $1 LIMIT 1`,
        [offset],
      );
      deepCursors.push(rows[0]);
    }
    log(`deep cursors at ~${depth.toLocaleString('en')} rows: ${JSON.stringify(deepCursors[2])}`);
    const results = [];
    for (const scenario of scenarios({ actorIds, deepCursors })) {
      log(`measuring ${scenario.id}`);
      const r = await measure(client, scenario);
      results.push(r);
      for (const p of r.plans) {
        log(`  ${r.id}/${p.statement}: ${p.text[0]}`);
      }
    }
    log(`insert throughput for ${INSERT_SECONDS} s`);
    const insert = await insertThroughput(client, actorIds);

    const lines = [
      `Audit log benchmark: ${ROWS.toLocaleString('en')} rows, ${availableParallelism()} cores, ` +
        `${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
      '',
      '| Query | reps | p50 ms | p99 ms | per statement p50 / p99 ms | plan top node → index |',
      '| --- | ---: | ---: | ---: | --- | --- |',
    ];
    for (const r of results) {
      const per = Object.entries(r.statements)
        .map(([k, v]) => `${k} ${fmt(v.p50)} / ${fmt(v.p99)}`)
        .join('; ');
      const plans = r.plans
        .map(
          (p) =>
            `${p.statement}: ${p.topNode} → ${p.indexUsed ? p.indexes.join(', ') : 'no index'}` +
            (p.seqScan ? ' (seq scan)' : ''),
        )
        .join('; ');
      lines.push(
        `| ${r.title} | ${r.total.n} | ${fmt(r.total.p50)} | ${fmt(r.total.p99)} | ${per} | ${plans} |`,
      );
    }
    lines.push(
      '',
      `Capture path: ${Math.round(insert.entriesPerSecond).toLocaleString('en')} entries/s ` +
        `(500-row INSERTs, one connection, ${insert.seconds.toFixed(1)} s; batch p50 ` +
        `${fmt(insert.batch.p50)} ms, p99 ${fmt(insert.batch.p99)} ms)`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, 'audit-latest.json');
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          rows: ROWS,
          cores: availableParallelism(),
          cpu: cpus()[0]?.model,
          postgres: (await client.query('SHOW server_version')).rows[0].server_version,
          seed: seedInfo,
          results,
          insert,
        },
        null,
        2,
      )}\n`,
    );
    log(`results written to ${file}`);
  } finally {
    await client.end().catch(() => {});
  }
}

main()
  .catch((error) => {
    log(error.stack ?? String(error));
    process.exitCode = 1;
  })
  .finally(() => cleanup());
