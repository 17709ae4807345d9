#!/usr/bin/env node
/**
 * HTTP benchmark: the built app versus a bare Fastify server doing the same essential work,
 * measured on the same machine, in the same run, with the same load generator settings.
 *
 *   npm run bench                          # = npm run build && node bench/run.mjs
 *   BENCH_DURATION=10 node bench/run.mjs   # after `npm run build`
 *
 * Options (environment):
 *   BENCH_DURATION     seconds per measured run                       (default 10)
 *   BENCH_CONNECTIONS  concurrent connections, pipelining is 1        (default 50)
 *   BENCH_ROUNDS       measured rounds per scenario and target        (default 3)
 *   BENCH_WARMUP       seconds per warm-up run, 0 to skip warm-up     (default BENCH_DURATION)
 *   BENCH_SCENARIOS    comma list of scenario ids to run              (default all)
 *   DATABASE_URL       use this database as is (not created, not dropped)
 *   BENCH_PG_ADMIN_URL where to create the throwaway database
 *                      (default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * What happens:
 *   1. Database: DATABASE_URL if set; else a throwaway `bench_<pid>` created on BENCH_PG_ADMIN_URL;
 *      if that PostgreSQL is unreachable, the app's embedded PostgreSQL (NODE_ENV=development,
 *      no DATABASE_URL): the results then say `mode: "development-embedded-pg"`.
 *   2. Two child processes: the app (dist/src/main.js, NODE_ENV=production, LOG_LEVEL=warn,
 *      DB_MIGRATE_ON_START=true, fresh random hex secrets, RATE_LIMIT_DEFAULT=100000000/1m so the
 *      limiter runs on the routes it guards but never rejects) and bench/raw-server.mjs. Both are
 *      waited on with GET /ready.
 *   3. Every scenario's request is sent once to both servers and the answer checked against
 *      `expect`, so a scenario cannot silently measure 401s, 404s or 429s. Whether the app's answer
 *      carried X-RateLimit-* headers (i.e. the limiter ran) is logged and kept in the JSON: neither
 *      built-in scenario is limited (/health is @NoRateLimit; `{ __typename }` runs no resolver, so
 *      no Nest guard runs), a scenario on a guarded REST route or resolver field would be.
 *   4. autocannon (programmatic API, in this process, i.e. a third process) loads one server at a
 *      time: one warm-up round (not recorded), then BENCH_ROUNDS rounds. Within a round the order
 *      alternates (app, raw / raw, app / ...) to cancel drift (thermal, GC, page cache).
 *   5. Per scenario and target: median over rounds of req/s (autocannon's per-second average), of
 *      p50 and of p99 latency; and the ratio app/raw of the median req/s. Any non-2xx answer,
 *      socket error or timeout during a measured run makes the run exit 1 (results still written).
 *   6. Results to bench/results/latest.json (git-ignored), a console table and a markdown table.
 *   7. Children are stopped (SIGTERM, then SIGKILL) and the throwaway database dropped at the end,
 *      also on failure, SIGINT and SIGTERM.
 *
 * Adding a scenario: append an entry to SCENARIOS below.
 *   {
 *     id: 'users-me',                        // for BENCH_SCENARIOS and the JSON
 *     title: 'GET /api/v1/users/me (JWT)',   // for the tables
 *     needsDatabaseUrl: true,                // skipped (with a note) when on the embedded database
 *     async setup(ctx) {                     // optional, runs once after both servers are ready;
 *       // ctx: { appUrl, rawUrl, databaseUrl, appEnv } (appEnv holds JWT_SECRET and so on).
 *       // E.g. insert a user with `pg` on ctx.databaseUrl, sign an HS256 token with `jose` using
 *       // ctx.appEnv.JWT_SECRET (claims as in src/core/auth/access-token.service.ts: sub, jti,
 *       // exp, roles, and iss/aud if JWT_ISSUER/JWT_AUDIENCE are set).
 *       return { token };                    // merged into ctx
 *     },
 *     app: (ctx) => ({ method: 'GET', path: '/api/v1/users/me',
 *                      headers: { authorization: `Bearer ${ctx.token}` } }),
 *     raw: (ctx) => ({ method: 'GET', path: '/users/me',
 *                      headers: { authorization: `Bearer ${ctx.token}` } }),
 *     expect: { status: 200 },               // status, and optionally json (deep-equal body)
 *   }
 * `app` and `raw` are a request ({ method, path, headers?, body? }) or a function of ctx returning
 * one. Then add the raw route to bench/raw-server.mjs (it receives DATABASE_URL and JWT_SECRET):
 * same work, no framework (for users/me: jose jwtVerify + one pg query + send the row).
 */
/* global fetch, AbortSignal -- Node >= 20 globals, not in the repo's eslint globals */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const GRAPHQL_TYPENAME = {
  method: 'POST',
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: 'query Bench { __typename }', operationName: 'Bench' }),
};

/** The benchmark scenarios; see the header comment for the shape. */
const SCENARIOS = [
  {
    id: 'health',
    title: 'GET /health',
    app: { method: 'GET', path: '/health' },
    raw: { method: 'GET', path: '/health' },
    expect: { status: 200, json: { status: 'ok' } },
  },
  {
    id: 'graphql-typename',
    title: 'POST /graphql { __typename }',
    app: GRAPHQL_TYPENAME,
    raw: GRAPHQL_TYPENAME,
    expect: { status: 200, json: { data: { __typename: 'Query' } } },
  },
  {
    // Authenticated primary-key read: JWT verification, auth guard, rate limiter, one query.
    id: 'users-me',
    title: 'GET /api/v1/users/me (JWT + pg)',
    needsDatabaseUrl: true,
    async setup(ctx) {
      const email = `bench-${Date.now()}@example.com`;
      const res = await fetch(`${ctx.appUrl}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a long benchmark passphrase' }),
      });
      if (res.status !== 201) fail(`users-me setup: register answered ${res.status}`);
      const { accessToken } = await res.json();
      return { token: accessToken };
    },
    app: (ctx) => ({
      method: 'GET',
      path: '/api/v1/users/me',
      headers: { authorization: `Bearer ${ctx.token}` },
    }),
    raw: (ctx) => ({
      method: 'GET',
      path: '/users/me',
      headers: { authorization: `Bearer ${ctx.token}` },
    }),
    expect: { status: 200 },
  },
];

// ---------------------------------------------------------------------------------------------

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APP_ENTRY = join(ROOT, 'dist/src/main.js');
const RAW_ENTRY = join(ROOT, 'bench/raw-server.mjs');
const RESULTS_DIR = join(ROOT, 'bench/results');

const options = {
  duration: positiveInt('BENCH_DURATION', 10),
  connections: positiveInt('BENCH_CONNECTIONS', 50),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  pipelining: 1,
};
options.warmup = nonNegativeInt('BENCH_WARMUP', options.duration);
const only = (process.env.BENCH_SCENARIOS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const children = new Set();
let currentLoad; // the running autocannon instance, stopped on SIGINT
let dropDatabase; // set once a throwaway database exists
let cleaning;
let stopping = false; // set by SIGINT/SIGTERM: no further load runs

function positiveInt(name, fallback) {
  const value = nonNegativeInt(name, fallback);
  if (value < 1) fail(`${name} must be at least 1`);
  return value;
}

function nonNegativeInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) fail(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function fail(message) {
  throw new Error(message);
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- database -------------------------------------------------------------------------------

async function prepareDatabase() {
  if (process.env.DATABASE_URL) {
    log('using DATABASE_URL as given (not created, not dropped)');
    return { mode: 'production', databaseUrl: process.env.DATABASE_URL, source: 'DATABASE_URL' };
  }
  const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    log(`no PostgreSQL at ${redact(adminUrl)} (${error.message}): using the app's embedded one`);
    await admin.end().catch(() => {});
    return { mode: 'development-embedded-pg', databaseUrl: null, source: 'embedded' };
  }
  const name = `bench_${process.pid}`;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  dropDatabase = () => dropThrowaway(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  log(`created throwaway database ${name}`);
  return { mode: 'production', databaseUrl: url.toString(), source: 'throwaway' };
}

async function dropThrowaway(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    // Terminate leftovers first (e.g. if the app had to be killed), then drop.
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    log(`dropped throwaway database ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
}

function redact(connectionString) {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

// --- child processes ------------------------------------------------------------------------

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A minimal inherited environment, so a developer's shell variables do not leak into the run. */
function baseEnv() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
}

function startChild(label, entry, env) {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  const onData = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      process.stderr.write(`[${label}] ${line}\n`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const handle = {
    label,
    child,
    tail,
    exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
  };
  children.add(handle);
  handle.exited.then(() => children.delete(handle));
  return handle;
}

async function stopChild(handle) {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill('SIGTERM');
  const result = await Promise.race([handle.exited, sleep(15_000).then(() => 'timeout')]);
  if (result === 'timeout') {
    log(`${handle.label} did not stop within 15 s: SIGKILL`);
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}

async function waitReady(handle, baseUrl, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let exited = false;
  handle.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      if (response.ok) return;
      last = `${response.status} ${text.slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(250);
  }
  const why = exited ? `exited (${handle.child.exitCode ?? handle.child.signalCode})` : 'timed out';
  throw new Error(
    `${handle.label} not ready at ${baseUrl}/ready: ${why}; last answer: ${last}\n` +
      `last output:\n  ${handle.tail.join('\n  ')}`,
  );
}

// --- load -----------------------------------------------------------------------------------

function resolveRequest(spec, ctx) {
  const request = typeof spec === 'function' ? spec(ctx) : spec;
  return { method: 'GET', headers: {}, ...request };
}

/** One request per target before loading: wrong status or body aborts the benchmark. */
async function probe(scenario, target, baseUrl, request) {
  const response = await fetch(baseUrl + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const { status, json } = scenario.expect;
  let problem;
  if (status !== undefined && response.status !== status) {
    problem = `status ${response.status}, expected ${status}`;
  } else if (json !== undefined) {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = Symbol('not JSON');
    }
    if (!isDeepStrictEqual(parsed, json)) problem = `body differs from ${JSON.stringify(json)}`;
  }
  if (problem) {
    throw new Error(
      `${scenario.id} on ${target}: ${problem}\n  got ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  const rateLimited = response.headers.has('x-ratelimit-limit');
  log(
    `probe ${scenario.id} on ${target}: ${response.status}, body ${Buffer.byteLength(text)} bytes, ` +
      `rate limiter ${rateLimited ? 'applied' : 'not applied'}`,
  );
  return { status: response.status, bytes: Buffer.byteLength(text), rateLimited };
}

/**
 * CPU seconds (user + system) used so far by a process, from /proc (Linux only, else undefined):
 * the server's CPU time per request is a second, load-generator-independent view of its cost.
 */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { stdio: 'pipe' }).toString()) || 100;
  } catch {
    return 100;
  }
})();
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
  } catch {
    return undefined;
  }
}

/**
 * One autocannon run. Latency is recorded here in microseconds from autocannon's own per-response
 * timing (its built-in histogram truncates to whole milliseconds, too coarse for sub-ms answers).
 */
function load(baseUrl, request, duration, serverPid) {
  return new Promise((resolveLoad, reject) => {
    const latencyUs = createHistogram();
    const serverCpu0 = cpuSeconds(serverPid);
    const selfCpu0 = process.cpuUsage();
    const instance = autocannon(
      {
        url: baseUrl + request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        connections: options.connections,
        pipelining: options.pipelining,
        duration,
      },
      (error, result) => {
        currentLoad = undefined;
        if (error) return reject(error);
        const serverCpu1 = cpuSeconds(serverPid);
        const self = process.cpuUsage(selfCpu0);
        resolveLoad({
          result,
          latencyUs,
          serverCpuSec:
            serverCpu0 === undefined || serverCpu1 === undefined
              ? undefined
              : serverCpu1 - serverCpu0,
          loadGenCpuSec: (self.user + self.system) / 1e6,
        });
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
      latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
    currentLoad = instance;
  });
}

function summarize({ result, latencyUs, serverCpuSec, loadGenCpuSec }) {
  const ms = (us) => Math.round(us) / 1000;
  const seconds = result.duration;
  return {
    reqPerSec: result.requests.average,
    latencyMs: {
      p50: ms(latencyUs.percentile(50)),
      p90: ms(latencyUs.percentile(90)),
      p99: ms(latencyUs.percentile(99)),
      mean: ms(latencyUs.mean),
      max: ms(latencyUs.max),
    },
    requests: result.requests.total,
    // Status line + headers + body, as counted by autocannon.
    bytesPerResponse: result.requests.total
      ? Math.round(result.throughput.total / result.requests.total)
      : undefined,
    durationSec: seconds,
    serverCpuPercent:
      serverCpuSec === undefined ? undefined : Math.round((serverCpuSec / seconds) * 1000) / 10,
    serverCpuUsPerRequest:
      serverCpuSec === undefined || !result.requests.total
        ? undefined
        : Math.round((serverCpuSec / result.requests.total) * 1e7) / 10,
    loadGeneratorCpuPercent: Math.round((loadGenCpuSec / seconds) * 1000) / 10,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const medianOf = (values) => (values.some((v) => v === undefined) ? undefined : median(values));

function aggregate(runs) {
  return {
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    reqPerSecRounds: runs.map((r) => r.reqPerSec),
    serverCpuPercent: medianOf(runs.map((r) => r.serverCpuPercent)),
    serverCpuUsPerRequest: medianOf(runs.map((r) => r.serverCpuUsPerRequest)),
    loadGeneratorCpuPercent: median(runs.map((r) => r.loadGeneratorCpuPercent)),
    bytesPerResponse: medianOf(runs.map((r) => r.bytesPerResponse)),
    failedRequests: runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
  };
}

// --- output ---------------------------------------------------------------------------------

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtRatio = (n) => n.toFixed(2);
const fmtPct = (n) => (n === undefined ? 'n/a' : `${Math.round(n)}%`);
const fmtUs = (n) => (n === undefined ? 'n/a' : n.toFixed(1));

function consoleTable(results) {
  const lines = [];
  for (const s of results) {
    lines.push('', `${s.title}  (app/raw req/s: ${fmtRatio(s.ratio)})`);
    const header = [
      'target',
      'req/s (median)',
      'p50 ms',
      'p99 ms',
      'server CPU',
      'CPU us/req',
      'autocannon CPU',
      'bytes/resp',
      'req/s per round',
    ];
    const rows = ['app', 'raw'].map((t) => [
      t,
      fmtInt(s[t].reqPerSec),
      fmtMs(s[t].p50Ms),
      fmtMs(s[t].p99Ms),
      fmtPct(s[t].serverCpuPercent),
      fmtUs(s[t].serverCpuUsPerRequest),
      fmtPct(s[t].loadGeneratorCpuPercent),
      s[t].bytesPerResponse === undefined ? 'n/a' : String(s[t].bytesPerResponse),
      s[t].reqPerSecRounds.map(fmtInt).join(' / '),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i])));
    lines.push(`  ${line(header).join('  ')}`);
    for (const row of rows) lines.push(`  ${line(row).join('  ')}`);
  }
  return lines.join('\n');
}

function markdownTable(results) {
  const lines = [
    '| Scenario | App req/s | Raw req/s | App/raw | App p50 / p99 (ms) | Raw p50 / p99 (ms) | Server CPU µs/req app / raw |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of results) {
    lines.push(
      `| \`${s.title}\` | ${fmtInt(s.app.reqPerSec)} | ${fmtInt(s.raw.reqPerSec)} | ` +
        `${fmtRatio(s.ratio)} | ${fmtMs(s.app.p50Ms)} / ${fmtMs(s.app.p99Ms)} | ` +
        `${fmtMs(s.raw.p50Ms)} / ${fmtMs(s.raw.p99Ms)} | ` +
        `${fmtUs(s.app.serverCpuUsPerRequest)} / ${fmtUs(s.raw.serverCpuUsPerRequest)} |`,
    );
  }
  return lines.join('\n');
}

function machine() {
  const require = createRequire(import.meta.url);
  const version = (name) => {
    try {
      return require(`${name}/package.json`).version;
    } catch {
      return undefined;
    }
  };
  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: 'pipe' })
      .toString()
      .trim();
  } catch {
    commit = undefined;
  }
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpuModel: cpus()[0]?.model,
    cpus: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    // 1/5/15-minute load averages before the servers started: other work competing for the CPUs.
    loadAverageAtStart,
    autocannon: version('autocannon'),
    fastify: version('fastify'),
    commit,
  };
}

// --- main -----------------------------------------------------------------------------------

const loadAverageAtStart = loadavg().map((n) => Math.round(n * 100) / 100);

async function main() {
  if (!existsSync(APP_ENTRY)) fail(`${APP_ENTRY} is missing: run \`npm run build\` first`);
  if (existsSync(join(ROOT, '.env'))) {
    log('note: .env exists and the app loads it (variables set here take precedence)');
  }
  const scenarios = SCENARIOS.filter((s) => only.length === 0 || only.includes(s.id));
  if (scenarios.length === 0)
    fail(`BENCH_SCENARIOS matched nothing (ids: ${SCENARIOS.map((s) => s.id)})`);

  const db = await prepareDatabase();
  const [appPort, rawPort] = await distinctPorts();
  const secrets = { JWT_SECRET: randomHex(), SIGNING_SECRET: randomHex() };
  const appEnv = {
    ...baseEnv(),
    NODE_ENV: db.mode === 'production' ? 'production' : 'development',
    LOG_LEVEL: 'warn',
    DB_MIGRATE_ON_START: 'true',
    RATE_LIMIT_DEFAULT: '100000000/1m',
    // The users-me scenario registers its user and reads with the returned token.
    AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
    HOST: '127.0.0.1',
    PORT: String(appPort),
    ...secrets,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  const rawEnv = {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: String(rawPort),
    JWT_SECRET: secrets.JWT_SECRET,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  const appUrl = `http://127.0.0.1:${appPort}`;
  const rawUrl = `http://127.0.0.1:${rawPort}`;

  log(`starting app (${appEnv.NODE_ENV}) on ${appUrl} and raw server on ${rawUrl}`);
  const app = startChild('app', APP_ENTRY, appEnv);
  const raw = startChild('raw', RAW_ENTRY, rawEnv);
  await Promise.all([
    waitReady(app, appUrl, db.mode === 'production' ? 60_000 : 180_000),
    waitReady(raw, rawUrl, 30_000),
  ]);
  log('both servers ready');

  // Setup and probe every scenario before any load.
  const ctxBase = { appUrl, rawUrl, databaseUrl: db.databaseUrl, appEnv };
  const planned = [];
  const skipped = [];
  for (const scenario of scenarios) {
    if (scenario.needsDatabaseUrl && !db.databaseUrl) {
      skipped.push({ id: scenario.id, reason: 'needs a DATABASE_URL (embedded database in use)' });
      log(`skipping ${scenario.id}: needs a reachable PostgreSQL`);
      continue;
    }
    const ctx = { ...ctxBase, ...((await scenario.setup?.(ctxBase)) ?? {}) };
    const targets = {
      app: { url: appUrl, pid: app.child.pid, request: resolveRequest(scenario.app, ctx) },
      raw: { url: rawUrl, pid: raw.child.pid, request: resolveRequest(scenario.raw, ctx) },
    };
    for (const [name, t] of Object.entries(targets)) {
      t.probe = await probe(scenario, name, t.url, t.request);
    }
    planned.push({ scenario, targets });
  }

  const total =
    planned.length *
    2 *
    ((options.warmup > 0 ? options.warmup : 0) + options.rounds * options.duration);
  log(
    `${planned.length} scenario(s), ${options.connections} connections, pipelining 1, ` +
      `warm-up ${options.warmup} s, ${options.rounds} x ${options.duration} s per target ` +
      `(about ${Math.ceil(total / 60)} min)`,
  );

  const runs = new Map(planned.map(({ scenario }) => [scenario.id, { app: [], raw: [] }]));
  const rounds = options.warmup > 0 ? [-1] : [];
  for (let r = 0; r < options.rounds; r++) rounds.push(r);
  for (const round of rounds) {
    const warm = round < 0;
    // Alternate the order between rounds: app, raw / raw, app / ...
    const order = round % 2 === 0 || warm ? ['app', 'raw'] : ['raw', 'app'];
    for (const { scenario, targets } of planned) {
      for (const target of order) {
        const { url, pid, request } = targets[target];
        const label = warm ? 'warm-up' : `round ${round + 1}/${options.rounds}`;
        if (stopping) return;
        const result = summarize(
          await load(url, request, warm ? options.warmup : options.duration, pid),
        );
        log(
          `${label.padEnd(11)} ${scenario.id.padEnd(18)} ${target}: ${fmtInt(result.reqPerSec)} req/s, ` +
            `p50 ${fmtMs(result.latencyMs.p50)} ms, p99 ${fmtMs(result.latencyMs.p99)} ms, ` +
            `server CPU ${fmtPct(result.serverCpuPercent)} (${fmtUs(result.serverCpuUsPerRequest)} us/req), ` +
            `autocannon CPU ${fmtPct(result.loadGeneratorCpuPercent)}` +
            (result.non2xx + result.errors + result.timeouts
              ? `, FAILED: non2xx ${result.non2xx} errors ${result.errors} timeouts ${result.timeouts} ${JSON.stringify(result.statusCodes)}`
              : ''),
        );
        if (stopping) return;
        if (!warm) runs.get(scenario.id)[target].push({ round: round + 1, ...result });
        await sleep(500);
      }
    }
  }

  const results = planned.map(({ scenario, targets }) => {
    const { app: appRuns, raw: rawRuns } = runs.get(scenario.id);
    const appAgg = aggregate(appRuns);
    const rawAgg = aggregate(rawRuns);
    return {
      id: scenario.id,
      title: scenario.title,
      ratio: appAgg.reqPerSec / rawAgg.reqPerSec,
      app: { ...appAgg, request: describe(targets.app), runs: appRuns },
      raw: { ...rawAgg, request: describe(targets.raw), runs: rawRuns },
    };
  });

  const report = {
    date: new Date().toISOString(),
    mode: db.mode,
    database: db.source,
    options,
    machine: machine(),
    appEnv: Object.fromEntries(
      Object.entries(appEnv).filter(
        ([k]) =>
          !['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'DATABASE_URL'].includes(k) &&
          !k.endsWith('SECRET'),
      ),
    ),
    metric:
      'reqPerSec = autocannon requests.average (mean of per-second samples); latency = per-response time measured by autocannon, recorded at 1 us resolution, p50/p99 in ms; serverCpu = user+system CPU of the server process during the run (/proc), per request and as % of one core; per scenario and target the median over measured rounds; ratio = app/raw of median req/s',
    scenarios: results,
    skipped,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  const m = report.machine;
  process.stdout.write(
    `\nBenchmark: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ${report.mode}, ` +
      `${options.connections} connections, ${options.rounds} x ${options.duration} s rounds, medians\n` +
      `${consoleTable(results)}\n\nMarkdown:\n\n${markdownTable(results)}\n\nWritten ${file}\n`,
  );

  const failed = results.filter((s) => s.app.failedRequests + s.raw.failedRequests > 0);
  if (failed.length > 0) {
    log(
      `FAILED requests (non-2xx, errors or timeouts) in: ${failed.map((s) => s.id).join(', ')}; ` +
        'the numbers above are not valid',
    );
    process.exitCode = 1;
  }
}

function describe(target) {
  const { method, path, body } = target.request;
  return {
    method,
    path,
    ...(body !== undefined ? { body } : {}),
    probeBodyBytes: target.probe.bytes,
    rateLimiterApplied: target.probe.rateLimited,
  };
}

function randomHex() {
  return randomBytes(32).toString('hex');
}

async function distinctPorts() {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

async function cleanup() {
  cleaning ??= (async () => {
    currentLoad?.stop();
    await Promise.all(
      [...children].map((h) => stopChild(h).catch((e) => log(`stop ${h.label}: ${e.message}`))),
    );
    if (dropDatabase) {
      await dropDatabase().catch((error) =>
        log(`could not drop the throwaway database: ${error.message}`),
      );
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    log(`${signal}: stopping`);
    cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
