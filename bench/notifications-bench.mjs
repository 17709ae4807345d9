#!/usr/bin/env node
/**
 * Real-time notifications benchmark (issue 12, item 7): how many idle SSE streams one app
 * instance holds and what each costs, and the delivery latency of an admin broadcast from the
 * create call to receipt on 1 000 connected clients, in both bus modes, against a bare Node
 * baseline doing the same essential work.
 *
 *   npm run bench:notifications                 # = npm run build && node bench/notifications-bench.mjs
 *   BENCH_PHASES=latency BENCH_MODES=postgres node bench/notifications-bench.mjs
 *
 * Options (environment):
 *   BENCH_PHASES            connections,latency                          (default both)
 *   BENCH_MODES             bus modes for the latency phase: redis,postgres (default both)
 *   BENCH_CONNECTIONS       idle SSE streams held in the connections phase (default 10000)
 *   BENCH_LATENCY_CLIENTS   SSE clients in the latency phase               (default 1000)
 *   BENCH_ROUNDS            measured broadcasts per mode and target        (default 10)
 *   BENCH_WARMUP_ROUNDS     broadcasts before measuring, not recorded      (default 5)
 *   BENCH_CLIENT_PROCESSES  child processes holding the client sockets     (default 4)
 *   BENCH_NOFILE            file-descriptor limit asked for every child    (default 65536)
 *   BENCH_REDIS_URL         Redis for the redis mode          (default redis://127.0.0.1:6379)
 *   BENCH_PG_ADMIN_URL      where the throwaway database is created
 *                           (default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * What happens:
 *   1. A throwaway database `bench_notif_<pid>` is created and migrated (dist/src/cli/main.js
 *      migrate); users are inserted with SQL and their access tokens signed here (HS256 with the
 *      run's JWT_SECRET, claims as AccessTokenService signs them: sub, jti, exp, roles). The
 *      admin is the app's bootstrap admin (ADMIN_EMAIL / ADMIN_PASSWORD), signed in through
 *      POST /api/v1/auth/login.
 *   2. Every child (apps, raw servers, client processes) is started through
 *      `sh -c 'ulimit -n $BENCH_NOFILE; exec node …'` (falls back to the hard limit), so neither
 *      the app nor the load side is capped by the shell's soft limit; the limit each child got
 *      is read back from /proc/<pid>/limits and reported.
 *   3. connections: one app (NODE_ENV=production, PROCESS_ROLE=all, PostgreSQL bus) and
 *      BENCH_CONNECTIONS streams, one user each, opened from BENCH_CLIENT_PROCESSES children
 *      (plain http, agent off, one socket per stream, 100 opening at a time per child).
 *      VmRSS and /proc/<pid>/fd are sampled before, with every stream open (after 5 s), and
 *      after closing them; the same is done against the raw server for reference.
 *   4. latency, per bus mode: two apps on the same database, A (PROCESS_ROLE=all: takes the
 *      POST and runs the broadcast job) and B (PROCESS_ROLE=api: holds the clients), so every
 *      notification crosses the bus. Per round: t0 just before POST
 *      /api/v1/admin/notifications/broadcast on A, then each client's receipt time on B; the
 *      latency of a client is receipt − t0 (clocks: performance.timeOrigin + now(), one
 *      machine). The same rounds run against two raw servers (raw A inserts and publishes, raw
 *      B loads and writes).
 *   5. Results to bench/results/notifications-latest.json (git-ignored) and a markdown table
 *      on stdout. Children are stopped and the database dropped at the end, also on failure,
 *      SIGINT and SIGTERM.
 */
/* global fetch, AbortSignal -- Node >= 20 globals, not in the repo's eslint globals */
import { fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TextEncoder } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import pg from 'pg';
import {
  baseEnv,
  createThrowawayDatabase,
  DEFAULT_PG_ADMIN_URL,
  freePort,
  log,
  migrateDatabase,
  sleep,
} from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APP_ENTRY = join(ROOT, 'dist/src/main.js');
const RAW_ENTRY = join(ROOT, 'bench/notifications-raw-server.mjs');
const CLIENTS_ENTRY = join(ROOT, 'bench/notifications-clients.mjs');
const RESULTS_DIR = join(ROOT, 'bench/results');

const list = (name, fallback) =>
  (process.env[name] || fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function int(name, fallback, min = 1) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) {
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  }
  return Number(raw);
}

const options = {
  phases: list('BENCH_PHASES', 'connections,latency'),
  modes: list('BENCH_MODES', 'redis,postgres'),
  connections: int('BENCH_CONNECTIONS', 10_000),
  latencyClients: int('BENCH_LATENCY_CLIENTS', 1000),
  rounds: int('BENCH_ROUNDS', 10),
  warmupRounds: int('BENCH_WARMUP_ROUNDS', 5, 0),
  clientProcesses: int('BENCH_CLIENT_PROCESSES', 4),
  nofile: int('BENCH_NOFILE', 65_536),
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  adminUrl: process.env.BENCH_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL,
};

const now = () => performance.timeOrigin + performance.now();
const randomHex = () => randomBytes(32).toString('hex');
const QUEUE_PREFIX = `bench-notif-${process.pid}`;
const children = new Set();
let dropDatabase;
let cleaning;

// --- processes ------------------------------------------------------------------------------

/** `ulimit -n` raised (else the hard limit), then exec: the child keeps the shell's pid. */
const RAISE_NOFILE =
  'ulimit -n "$BENCH_NOFILE" 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';

function track(label, child) {
  const tail = [];
  const onData = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      process.stderr.write(`[${label}] ${line}\n`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
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

function startServer(label, entry, env) {
  const child = spawn('sh', ['-c', RAISE_NOFILE, 'sh', process.execPath, entry], {
    cwd: ROOT,
    env: { ...env, BENCH_NOFILE: String(options.nofile) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(label, child);
}

function startClients(label) {
  const child = fork(CLIENTS_ENTRY, [], {
    cwd: ROOT,
    execPath: 'sh',
    execArgv: ['-c', RAISE_NOFILE, 'sh', process.execPath],
    env: { ...baseEnv(), BENCH_NOFILE: String(options.nofile) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const handle = track(label, child);
  handle.request = (message, kind) =>
    new Promise((resolveReply) => {
      const onMessage = (reply) => {
        if (reply.kind !== kind || (message.marker && reply.marker !== message.marker)) return;
        child.off('message', onMessage);
        resolveReply(reply);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return handle;
}

async function stop(handle) {
  if (!handle || handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill('SIGTERM');
  const result = await Promise.race([handle.exited, sleep(20_000).then(() => 'timeout')]);
  if (result === 'timeout') {
    log(`${handle.label} did not stop within 20 s: SIGKILL`);
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}

async function waitReady(handle, baseUrl, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline && handle.child.exitCode === null) {
    try {
      const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `${response.status} ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(250);
  }
  throw new Error(
    `${handle.label} not ready at ${baseUrl}/ready (last: ${last})\n  ${handle.tail.join('\n  ')}`,
  );
}

// --- /proc ----------------------------------------------------------------------------------

function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;

function nofileLimit(pid) {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.trim().split(/\s+/).slice(3, 5);
  return { soft: Number(soft), hard: Number(hard) };
}

/** Median VmRSS and fd count over a few samples 200 ms apart (RSS moves with GC). */
async function sample(pid, samples = 5) {
  const rss = [];
  const fds = [];
  for (let i = 0; i < samples; i++) {
    rss.push(rssBytes(pid));
    fds.push(fdCount(pid));
    if (i < samples - 1) await sleep(200);
  }
  return { rssBytes: median(rss), fds: median(fds) };
}

async function heapUsed(baseUrl) {
  try {
    const raw = await fetch(`${baseUrl}/memory`);
    if (raw.ok) return { heapUsedBytes: (await raw.json()).heapUsed };
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    const open = [...text.matchAll(/^notifications_realtime_connections\{[^}]*\} (\S+)$/gm)];
    return {
      heapUsedBytes: match ? Number(match[1]) : undefined,
      connectionsGauge: open.reduce((n, m) => n + Number(m[1]), 0),
    };
  } catch {
    return {};
  }
}

/** `count` users with a verified e-mail, inserted in one statement; their ids. */
async function insertUsers(db, prefix, count) {
  const { rows } = await db.query(
    `INSERT INTO users (email, password_hash, email_verified_at)
     SELECT $1 || g || '@bench.example.com', 'not-a-hash', now() FROM generate_series(1, $2) g
     RETURNING id`,
    [prefix, count],
  );
  return rows.map((r) => r.id);
}

async function signTokens(secret, userIds) {
  const key = new TextEncoder().encode(secret);
  const tokens = [];
  for (const id of userIds) {
    tokens.push(
      await new SignJWT({ roles: ['user'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(id)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('3h')
        .sign(key),
    );
  }
  return tokens;
}

// --- clients --------------------------------------------------------------------------------

async function withClients(count, fn) {
  const n = Math.max(1, Math.min(options.clientProcesses, count));
  const procs = Array.from({ length: n }, (_, i) => startClients(`clients-${i}`));
  try {
    return await fn(procs);
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
}

async function openStreams(procs, url, tokens) {
  const share = Math.ceil(tokens.length / procs.length);
  const replies = await Promise.all(
    procs.map((p, i) =>
      p.request(
        { cmd: 'open', url, tokens: tokens.slice(i * share, (i + 1) * share), concurrency: 100 },
        'opened',
      ),
    ),
  );
  const errors = {};
  for (const r of replies) {
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  return {
    ok: replies.reduce((n, r) => n + r.ok, 0),
    failed: replies.reduce((n, r) => n + r.failed, 0),
    errors,
    seconds: Math.max(...replies.map((r) => r.ms)) / 1000,
  };
}

const closeStreams = (procs) =>
  Promise.all(procs.map((p) => p.request({ cmd: 'close' }, 'closed')));

async function clientStats(procs) {
  const replies = await Promise.all(procs.map((p) => p.request({ cmd: 'stats' }, 'stats')));
  return {
    rssBytes: replies.reduce((n, r) => n + r.rssBytes, 0),
    open: replies.reduce((n, r) => n + r.open, 0),
    nofile: nofileLimit(procs[0].child.pid),
  };
}

// --- phase 1: connections -------------------------------------------------------------------

async function holdStreams(label, pid, baseUrl, tokens, streamPath) {
  return withClients(tokens.length, async (procs) => {
    // Warm the route (JIT, lazy modules) with a few streams so the baseline is not pre-warm-up.
    await openStreams(procs, `${baseUrl}${streamPath}`, tokens.slice(0, 50));
    await closeStreams(procs);
    await sleep(2000);
    const before = { ...(await sample(pid)), ...(await heapUsed(baseUrl)) };
    log(`${label}: before ${JSON.stringify(before)}; opening ${tokens.length} streams`);
    const opened = await openStreams(procs, `${baseUrl}${streamPath}`, tokens);
    log(`${label}: opened ${JSON.stringify(opened)}`);
    await sleep(5000);
    const open = { ...(await sample(pid)), ...(await heapUsed(baseUrl)) };
    const clients = await clientStats(procs);
    log(`${label}: open ${JSON.stringify(open)}; clients ${JSON.stringify(clients)}`);
    await closeStreams(procs);
    await sleep(3000);
    const after = { ...(await sample(pid)), ...(await heapUsed(baseUrl)) };
    log(`${label}: after closing ${JSON.stringify(after)}`);
    // Leak check: the same streams again. Memory freed by the first close is reused, so a
    // second open that grows RSS by as much again would mean something is kept per stream.
    const reopened = await openStreams(procs, `${baseUrl}${streamPath}`, tokens);
    await sleep(5000);
    const again = { ...(await sample(pid)), ...(await heapUsed(baseUrl)), opened: reopened.ok };
    log(`${label}: open again ${JSON.stringify(again)}`);
    await closeStreams(procs);
    const held = clients.open;
    return {
      target: label,
      requested: tokens.length,
      opened,
      held,
      openPerSecond: Math.round(opened.ok / opened.seconds),
      before,
      open,
      after,
      again,
      rssBytesPerStream: Math.round((open.rssBytes - before.rssBytes) / Math.max(held, 1)),
      heapBytesPerStream:
        open.heapUsedBytes === undefined
          ? undefined
          : Math.round((open.heapUsedBytes - before.heapUsedBytes) / Math.max(held, 1)),
      fdsPerStream: (open.fds - before.fds) / Math.max(held, 1),
      serverNofile: nofileLimit(pid),
      clientProcesses: procs.length,
      clientSide: clients,
    };
  });
}

async function connectionsPhase(ctx) {
  const db = new pg.Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  let ids;
  try {
    ids = await insertUsers(db, 'conn-', options.connections);
  } finally {
    await db.end();
  }
  const tokens = await signTokens(ctx.secrets.JWT_SECRET, ids);
  const results = [];

  const port = await freePort();
  const app = startServer('app', APP_ENTRY, appEnv(ctx, port, { PROCESS_ROLE: 'all' }));
  try {
    await waitReady(app, `http://127.0.0.1:${port}`);
    results.push(
      await holdStreams(
        'app',
        app.child.pid,
        `http://127.0.0.1:${port}`,
        tokens,
        '/api/v1/notifications/stream',
      ),
    );
  } finally {
    await stop(app);
  }

  const rawPort = await freePort();
  const raw = startServer('raw', RAW_ENTRY, rawEnv(ctx, rawPort, {}));
  try {
    await waitReady(raw, `http://127.0.0.1:${rawPort}`);
    results.push(
      await holdStreams('raw', raw.child.pid, `http://127.0.0.1:${rawPort}`, tokens, '/stream'),
    );
  } finally {
    await stop(raw);
  }

  const cleanup = new pg.Client({ connectionString: ctx.databaseUrl });
  await cleanup.connect();
  await cleanup.query("DELETE FROM users WHERE email LIKE 'conn-%'");
  await cleanup.end();
  return results;
}

// --- phase 2: latency -----------------------------------------------------------------------

function appEnv(ctx, port, extra) {
  return {
    ...baseEnv(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DB_MIGRATE_ON_START: 'false',
    // Two apps plus everyone else's tests share one PostgreSQL (max_connections 100 here).
    DB_POOL_SIZE: '8',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: ctx.databaseUrl,
    ...ctx.secrets,
    ADMIN_EMAIL: ctx.admin.email,
    ADMIN_PASSWORD: ctx.admin.password,
    AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_ITERATIONS: '1',
    RATE_LIMIT_DEFAULT: '100000000/1m',
    RATE_LIMIT_STRICT: '100000000/1m',
    // Every stream comes from 127.0.0.1; the per-user limit stays at its default (one each).
    NOTIFICATIONS_STREAM_MAX_PER_IP: '100000',
    // Idle streams would be closed after 120 s without a notification, mid-measurement.
    NOTIFICATIONS_STREAM_IDLE_SECONDS: '3600',
    ...extra,
  };
}

function rawEnv(ctx, port, extra) {
  return {
    ...baseEnv(),
    PORT: String(port),
    DATABASE_URL: ctx.databaseUrl,
    JWT_SECRET: ctx.secrets.JWT_SECRET,
    RAW_BUS_CHANNEL: `raw_bench_${process.pid}`,
    ...extra,
  };
}

async function signIn(baseUrl, admin) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  if (res.status !== 200) throw new Error(`admin login answered ${res.status} ${await res.text()}`);
  return (await res.json()).accessToken;
}

const percentile = (sorted, p) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
    : NaN;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Where a broadcast's time went, from the database's own timestamps (same machine clock):
 * broadcast row stored (the POST's transaction), first and last notification row written by
 * the job (clock_timestamp() per row), relative to t0.
 */
async function broadcastStages(databaseUrl, marker, t0) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT extract(epoch FROM b.created_at) * 1000 AS stored,
              extract(epoch FROM min(n.created_at)) * 1000 AS first_row,
              extract(epoch FROM max(n.created_at)) * 1000 AS last_row, count(n.id)::int AS rows
       FROM notification_broadcasts b JOIN notifications n ON n.broadcast_id = b.id
       WHERE b.title = $1 GROUP BY b.id`,
      [marker],
    );
    if (!rows[0]) return undefined;
    const at = (v) => Number(v) - t0;
    return {
      storedMs: at(rows[0].stored),
      firstRowMs: at(rows[0].first_row),
      lastRowMs: at(rows[0].last_row),
      rows: rows[0].rows,
    };
  } finally {
    await db.end();
  }
}

async function rounds(label, procs, post, stagesOf) {
  const measured = [];
  const total = options.warmupRounds + options.rounds;
  for (let i = 0; i < total; i++) {
    const marker = `bench ${label} ${i} ${randomUUID().slice(0, 8)}`;
    const waits = procs.map((p) =>
      p.request({ cmd: 'expect', marker, timeoutMs: 20_000 }, 'received'),
    );
    const t0 = now();
    const status = await post(marker);
    const callMs = now() - t0;
    if (status < 200 || status > 299)
      throw new Error(`${label}: the create call answered ${status}`);
    const replies = await Promise.all(waits);
    const latencies = replies.flatMap((r) => r.times.map((t) => t - t0)).sort((a, b) => a - b);
    const missing = replies.reduce((n, r) => n + r.missing, 0);
    const round = {
      callMs,
      received: latencies.length,
      missing,
      firstMs: latencies[0],
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      lastMs: latencies[latencies.length - 1],
      stages: stagesOf ? await stagesOf(marker, t0) : undefined,
    };
    const warm = i < options.warmupRounds;
    log(`${label} round ${i}${warm ? ' (warm-up)' : ''}: ${JSON.stringify(round, fmtJson)}`);
    if (!warm) measured.push({ ...round, latencies });
    await sleep(300);
  }
  const all = measured.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    target: label,
    rounds: measured.length,
    samples: all.length,
    missing: measured.reduce((n, r) => n + r.missing, 0),
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: all[all.length - 1],
    firstMsMedian: median(measured.map((r) => r.firstMs)),
    callMsMedian: median(measured.map((r) => r.callMs)),
    stagesMedian: measured[0]?.stages
      ? Object.fromEntries(
          Object.keys(measured[0].stages).map((k) => [k, median(measured.map((r) => r.stages[k]))]),
        )
      : undefined,
    perRound: measured.map(({ latencies: _l, ...r }) => r),
  };
}

const fmtJson = (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toFixed(2) : v);

async function latencyMode(ctx, mode, tokens) {
  const extra = mode === 'redis' ? { REDIS_URL: options.redisUrl, QUEUE_PREFIX } : {};
  const results = [];
  const [portA, portB] = [await freePort(), await freePort()];
  const a = startServer(
    `app-A-${mode}`,
    APP_ENTRY,
    appEnv(ctx, portA, { ...extra, PROCESS_ROLE: 'all' }),
  );
  const b = startServer(
    `app-B-${mode}`,
    APP_ENTRY,
    appEnv(ctx, portB, { ...extra, PROCESS_ROLE: 'api' }),
  );
  try {
    await Promise.all([
      waitReady(a, `http://127.0.0.1:${portA}`),
      waitReady(b, `http://127.0.0.1:${portB}`),
    ]);
    const adminToken = await signIn(`http://127.0.0.1:${portA}`, ctx.admin);
    await withClients(tokens.length, async (procs) => {
      const opened = await openStreams(
        procs,
        `http://127.0.0.1:${portB}/api/v1/notifications/stream`,
        tokens,
      );
      if (opened.failed) throw new Error(`app ${mode}: ${JSON.stringify(opened)}`);
      const result = await rounds(
        `app-${mode}`,
        procs,
        async (marker) => {
          const res = await fetch(
            `http://127.0.0.1:${portA}/api/v1/admin/notifications/broadcast`,
            {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${adminToken}`,
              },
              body: JSON.stringify({ title: marker, message: 'Benchmark announcement' }),
            },
          );
          await res.arrayBuffer();
          return res.status;
        },
        (marker, t0) => broadcastStages(ctx.databaseUrl, marker, t0),
      );
      results.push({
        mode,
        topology: 'A creates, B holds the clients',
        clients: opened.ok,
        ...result,
      });
    });
  } finally {
    await Promise.all([stop(a), stop(b)]);
  }

  const rawExtra = mode === 'redis' ? { REDIS_URL: options.redisUrl } : {};
  const [rawA, rawB] = [await freePort(), await freePort()];
  const ra = startServer(`raw-A-${mode}`, RAW_ENTRY, rawEnv(ctx, rawA, rawExtra));
  const rb = startServer(`raw-B-${mode}`, RAW_ENTRY, rawEnv(ctx, rawB, rawExtra));
  try {
    await Promise.all([
      waitReady(ra, `http://127.0.0.1:${rawA}`),
      waitReady(rb, `http://127.0.0.1:${rawB}`),
    ]);
    await withClients(tokens.length, async (procs) => {
      const opened = await openStreams(procs, `http://127.0.0.1:${rawB}/stream`, tokens);
      if (opened.failed) throw new Error(`raw ${mode}: ${JSON.stringify(opened)}`);
      const result = await rounds(`raw-${mode}`, procs, async (marker) => {
        const res = await fetch(`http://127.0.0.1:${rawA}/broadcast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: marker, message: 'Benchmark announcement' }),
        });
        await res.arrayBuffer();
        return res.status;
      });
      results.push({ mode, topology: 'raw A creates, raw B holds', clients: opened.ok, ...result });
    });
  } finally {
    await Promise.all([stop(ra), stop(rb)]);
  }
  return results;
}

async function latencyPhase(ctx) {
  const db = new pg.Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  let ids;
  try {
    ids = await insertUsers(db, 'lat-', options.latencyClients);
  } finally {
    await db.end();
  }
  const tokens = await signTokens(ctx.secrets.JWT_SECRET, ids);
  const results = [];
  for (const mode of options.modes) results.push(...(await latencyMode(ctx, mode, tokens)));
  return results;
}

// --- output ---------------------------------------------------------------------------------

const kb = (bytes) => (bytes / 1024).toFixed(1);
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
const ms = (n) =>
  n === undefined || Number.isNaN(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1);

function markdown(results) {
  const lines = [];
  if (results.connections) {
    lines.push(
      '| Target | Streams held | Opened/s | RSS before → open → closed → open again (MiB) | RSS / stream | Heap / stream | fds before → open → closed | nofile (soft) |',
      '| --- | ---: | ---: | --- | ---: | ---: | --- | ---: |',
    );
    for (const r of results.connections) {
      lines.push(
        `| ${r.target} | ${r.held.toLocaleString('en')} | ${r.openPerSecond.toLocaleString('en')} | ` +
          `${mb(r.before.rssBytes)} → ${mb(r.open.rssBytes)} → ${mb(r.after.rssBytes)} → ` +
          `${mb(r.again.rssBytes)} | ` +
          `${kb(r.rssBytesPerStream)} KiB | ` +
          `${r.heapBytesPerStream === undefined ? 'n/a' : `${kb(r.heapBytesPerStream)} KiB`} | ` +
          `${r.before.fds} → ${r.open.fds} → ${r.after.fds} | ${r.serverNofile.soft} |`,
      );
    }
    lines.push('');
  }
  if (results.latency) {
    lines.push(
      '| Bus | Target | Clients | Rounds | Samples | p50 ms | p99 ms | max ms | first receipt ms (median) | create call ms (median) | missing |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of results.latency) {
      lines.push(
        `| ${r.mode} | ${r.target.startsWith('app') ? 'app (A → B)' : 'raw (A → B)'} | ${r.clients} | ` +
          `${r.rounds} | ${r.samples} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ` +
          `${ms(r.firstMsMedian)} | ${ms(r.callMsMedian)} | ${r.missing} |`,
      );
    }
    const staged = results.latency.filter((r) => r.stagesMedian);
    if (staged.length) {
      lines.push(
        '',
        '| Bus | POST answered | broadcast row stored | first notification row | last row | first receipt | p50 receipt |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      );
      for (const r of staged) {
        const s = r.stagesMedian;
        lines.push(
          `| ${r.mode} | ${ms(r.callMsMedian)} | ${ms(s.storedMs)} | ${ms(s.firstRowMs)} | ` +
            `${ms(s.lastRowMs)} | ${ms(r.firstMsMedian)} | ${ms(r.p50Ms)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

// --- main -----------------------------------------------------------------------------------

/** The redis mode's queue keys (unique QUEUE_PREFIX), deleted by SCAN, never a flush. */
async function deleteRedisKeys() {
  if (!options.modes.includes('redis') || !options.phases.includes('latency')) return;
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 500 })) {
      if (keys.length) deleted += await redis.del(...keys);
    }
    log(`deleted ${deleted} Redis keys under ${QUEUE_PREFIX}:`);
  } finally {
    redis.disconnect();
  }
}

function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((h) => stop(h)));
    await deleteRedisKeys().catch((e) => log(`could not delete the Redis keys: ${e.message}`));
    if (dropDatabase) await dropDatabase();
  })().catch((e) => log(`cleanup: ${e.message}`));
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

async function main() {
  if (!existsSync(APP_ENTRY)) throw new Error(`${APP_ENTRY} is missing: run \`npm run build\``);
  const loadAverageAtStart = loadavg().map((n) => Math.round(n * 100) / 100);
  const throwaway = await createThrowawayDatabase('bench_notif', options.adminUrl);
  dropDatabase = throwaway.drop;
  const { databaseUrl } = throwaway;
  migrateDatabase(databaseUrl);
  const ctx = {
    databaseUrl,
    secrets: { JWT_SECRET: randomHex(), SIGNING_SECRET: randomHex() },
    admin: { email: `bench-admin-${process.pid}@bench.example.com`, password: randomHex() },
  };
  const results = {};
  if (options.phases.includes('connections')) results.connections = await connectionsPhase(ctx);
  if (options.phases.includes('latency')) results.latency = await latencyPhase(ctx);

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
    benchNofile: nofileLimit(process.pid),
    options,
    ...results,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'notifications-latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${file}`);
  process.stdout.write(
    `Load average at start ${loadAverageAtStart.join(' / ')}, at end ${report.loadAverageAtEnd.join(' / ')}\n\n` +
      `${markdown(results)}\n`,
  );
}

main()
  .catch((error) => {
    log(error.stack ?? String(error));
    process.exitCode = 1;
  })
  .finally(() => cleanup());
