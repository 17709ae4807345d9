/**
 * Shared plumbing of the benchmarks (bench/run.mjs, bench/soak.mjs, bench/memory.mjs, and the
 * module benches for the database and logs): options, the throwaway database, child processes, the app's environment, a mail sink, /proc readings
 * (CPU time, RSS) and one autocannon run. No scenario knowledge here (see bench/scenarios.mjs).
 */
/* global fetch, AbortSignal -- Node >= 20 globals, not in the repo's eslint globals */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APP_ENTRY = join(ROOT, 'dist/src/main.js');
export const RAW_ENTRY = join(ROOT, 'bench/raw-server.mjs');
export const RESULTS_DIR = join(ROOT, 'bench/results');
/** The V8 flags the image runs the app with (Dockerfile `ENV NODE_OPTIONS`, `npm run start:prod`). */
export const APP_NODE_FLAGS = ['--max-semi-space-size=32'];

export const log = (message) => process.stderr.write(`[bench] ${message}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export function fail(message) {
  throw new Error(message);
}

export function nonNegativeInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) fail(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

export function positiveInt(name, fallback) {
  const value = nonNegativeInt(name, fallback);
  if (value < 1) fail(`${name} must be at least 1`);
  return value;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
export const medianOf = (values) =>
  values.length === 0 || values.some((v) => v === undefined || v === null)
    ? undefined
    : median(values);

// --- database -------------------------------------------------------------------------------

/**
 * DATABASE_URL as given; else a throwaway `<prefix>_<pid>` on BENCH_PG_ADMIN_URL (`drop()` removes
 * it); else `mode: 'development-embedded-pg'` (the app's embedded PostgreSQL, no URL).
 */
export async function prepareDatabase(prefix = 'bench') {
  if (process.env.DATABASE_URL) {
    log('using DATABASE_URL as given (not created, not dropped)');
    return { mode: 'production', databaseUrl: process.env.DATABASE_URL, source: 'DATABASE_URL' };
  }
  const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    log(`no PostgreSQL at ${redact(adminUrl)} (${error.message}): using the app's embedded one`);
    await admin.end().catch(() => {});
    return { mode: 'development-embedded-pg', databaseUrl: null, source: 'embedded' };
  }
  await admin.end().catch(() => {});
  const { databaseUrl, drop } = await createThrowawayDatabase(prefix, adminUrl);
  return { mode: 'production', databaseUrl, source: 'throwaway', drop };
}

export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A new, empty `<prefix>_<pid>` database on `adminUrl` (BENCH_PG_ADMIN_URL, else the local
 * PostgreSQL). `drop()` ends its sessions first (e.g. of an app that had to be killed) and
 * removes it.
 */
export async function createThrowawayDatabase(
  prefix,
  adminUrl = process.env.BENCH_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL,
) {
  const name = `${prefix}_${process.pid}`;
  await asAdmin(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  log(`created throwaway database ${name}`);
  const drop = () =>
    asAdmin(adminUrl, async (admin) => {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      log(`dropped throwaway database ${name}`);
    });
  return { databaseUrl: url.toString(), drop };
}

async function asAdmin(adminUrl, work) {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end().catch(() => {});
  }
}

/**
 * The app's migrations on `databaseUrl` (`dist/src/cli/main.js migrate`, production mode; the
 * secrets the production config check requires are throwaway ones `migrate` does not use).
 */
export function migrateDatabase(databaseUrl, env = {}) {
  const out = execFileSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'migrate'], {
    env: {
      ...baseEnv(),
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('hex'),
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      ...env,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  log(`migrate: ${out.trim().split('\n').pop()}`);
}

export function redact(connectionString) {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

// --- child processes ------------------------------------------------------------------------

export function freePort() {
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
export function baseEnv() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
}

/**
 * The app's environment for a benchmark: production mode (when a PostgreSQL is reachable),
 * `LOG_LEVEL=warn`, limits so high the rate limiter runs but never rejects, tokens valid for the
 * whole run, no drain on SIGTERM (children stop fast), uploads into `filesDir` with a quota that
 * is never reached, and mail to the in-process sink (no failing mail jobs in the background).
 */
export function appEnvironment({ db, port, secrets, smtpPort, filesDir, role }) {
  return {
    ...baseEnv(),
    NODE_ENV: db.mode === 'production' ? 'production' : 'development',
    LOG_LEVEL: 'warn',
    DB_MIGRATE_ON_START: 'true',
    RATE_LIMIT_DEFAULT: '100000000/1m',
    RATE_LIMIT_STRICT: '100000000/1m',
    // Scenarios register their users and use the returned tokens at once.
    AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
    JWT_ACCESS_TTL_SECONDS: '86400',
    SHUTDOWN_DRAIN_MS: '0',
    FILES_LOCAL_ROOT: filesDir,
    FILES_USER_QUOTA_BYTES: String(1e12),
    ...(smtpPort ? { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } : {}),
    ...(role ? { PROCESS_ROLE: role } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    ...secrets,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
}

/** An SMTP server that accepts and drops every message (verification mails of registrations). */
export async function startMailSink() {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  });
  const port = await freePort();
  await new Promise((r, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', r);
  });
  return { port, close: () => new Promise((r) => server.close(r)) };
}

const children = new Set();
const NOISE = /"msg":"(Slow query|Database pool above [^"]*)"/;

/**
 * Spawns `node [nodeArgs] entry`; its output goes to stderr prefixed with the label (unless quiet).
 * `nodeArgs` is how a profile is taken (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
export function startChild(label, entry, env, { quiet = false, nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
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
      // Under saturation the app warns about every slow query and a busy pool: counted, not shown.
      if (NOISE.test(line)) handle.suppressed++;
      else if (!quiet) process.stderr.write(`[${label}] ${line}\n`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const handle = {
    label,
    child,
    tail,
    spawnedAt: performance.now(),
    suppressed: 0,
    exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
  };
  children.add(handle);
  handle.exited.then(() => children.delete(handle));
  return handle;
}

/** The app (dist/src/main.js) with the V8 flags it ships with, then `extraArgs` (a profile, say). */
export const startApp = (label, env, extraArgs = []) =>
  startChild(label, APP_ENTRY, env, { nodeArgs: [...APP_NODE_FLAGS, ...extraArgs] });

export async function stopChild(handle) {
  if (handle.suppressed) {
    log(`${handle.label}: ${handle.suppressed} slow-query / busy-pool warnings not shown`);
    handle.suppressed = 0;
  }
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill('SIGTERM');
  const result = await Promise.race([handle.exited, sleep(15_000).then(() => 'timeout')]);
  if (result === 'timeout') {
    log(`${handle.label} did not stop within 15 s: SIGKILL`);
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}

export const stopAllChildren = () =>
  Promise.all(
    [...children].map((h) => stopChild(h).catch((e) => log(`stop ${h.label}: ${e.message}`))),
  );

/** Polls GET /ready until 200; returns ms from spawn to that answer. */
export async function waitReady(handle, baseUrl, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let exited = false;
  handle.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      if (response.ok) return performance.now() - handle.spawnedAt;
      last = `${response.status} ${text.slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(intervalMs);
  }
  const why = exited ? `exited (${handle.child.exitCode ?? handle.child.signalCode})` : 'timed out';
  throw new Error(
    `${handle.label} not ready at ${baseUrl}/ready: ${why}; last answer: ${last}\n` +
      `last output:\n  ${handle.tail.join('\n  ')}`,
  );
}

// --- /proc ----------------------------------------------------------------------------------

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (getconf CLK_TCK, usually 100). */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { stdio: 'pipe' }).toString()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
  } catch {
    return undefined;
  }
}

/** Resident set size in MB (VmRSS of /proc/<pid>/status), undefined if unreadable. */
export function rssMb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

// --- load -----------------------------------------------------------------------------------

let currentLoad; // the running autocannon instance, stopped on SIGINT
export const stopCurrentLoad = () => currentLoad?.stop();

/** What autocannon gets of a request: no `check` (ours) and no undefined fields. */
const wire = ({ method, path, headers, body }) => ({
  method,
  path,
  headers,
  ...(body !== undefined ? { body } : {}),
});

/**
 * One autocannon run against one server: `request` (one) or `requests` (a cycle each connection
 * walks through). Latency is recorded in µs from autocannon's own per-response timing (its
 * histogram truncates to whole ms). The server's CPU time (/proc utime + stime, before and after)
 * and RSS (before, at the end, peak of 1 s samples) are read for `pid`. `onSample(seconds, rss)`
 * is called every `sampleEveryMs` (the soak's RSS series).
 */
export function runLoad({
  url,
  request,
  requests,
  connections,
  duration,
  pid,
  sampleEveryMs = 1000,
  onSample,
}) {
  return new Promise((resolveLoad, reject) => {
    const latencyUs = createHistogram();
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    const started = performance.now();
    const sampler = setInterval(() => {
      const rss = rssMb(pid);
      if (rss !== undefined && (rssPeak === undefined || rss > rssPeak)) rssPeak = rss;
      onSample?.((performance.now() - started) / 1000, rss);
    }, sampleEveryMs);
    const serverCpu0 = cpuSeconds(pid);
    const selfCpu0 = process.cpuUsage();
    const cycle = requests?.map(wire);
    const single = request && wire(request);
    const instance = autocannon(
      {
        url: cycle ? url : url + single.path,
        ...(cycle
          ? { requests: cycle }
          : { method: single.method, headers: single.headers, body: single.body }),
        connections,
        pipelining: 1,
        duration,
      },
      (error, result) => {
        clearInterval(sampler);
        currentLoad = undefined;
        if (error) return reject(error);
        const serverCpu1 = cpuSeconds(pid);
        const rssEnd = rssMb(pid);
        const self = process.cpuUsage(selfCpu0);
        resolveLoad(
          summarize({
            result,
            latencyUs,
            connections,
            serverCpuSec:
              serverCpu0 === undefined || serverCpu1 === undefined
                ? undefined
                : serverCpu1 - serverCpu0,
            loadGenCpuSec: (self.user + self.system) / 1e6,
            rss: { before: rssBefore, end: rssEnd, peak: Math.max(rssPeak ?? 0, rssEnd ?? 0) },
          }),
        );
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
      latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
    currentLoad = instance;
  });
}

function summarize({ result, latencyUs, connections, serverCpuSec, loadGenCpuSec, rss }) {
  // No answer at all (e.g. logins slower than a 1 s run): no latency, rather than zeros.
  const ms = (us) => (result.requests.total ? Math.round(us) / 1000 : undefined);
  const seconds = result.duration;
  const total = result.requests.total;
  const failed = result.non2xx + result.errors + result.timeouts;
  return {
    connections,
    reqPerSec: result.requests.average,
    latencyMs: {
      p50: ms(latencyUs.percentile(50)),
      p90: ms(latencyUs.percentile(90)),
      p95: ms(latencyUs.percentile(95)),
      p99: ms(latencyUs.percentile(99)),
      mean: ms(latencyUs.mean),
      max: ms(latencyUs.max),
    },
    requests: total,
    // Status line + headers + body, as counted by autocannon.
    bytesPerResponse: total ? Math.round(result.throughput.total / total) : undefined,
    durationSec: seconds,
    serverCpuPercent:
      serverCpuSec === undefined ? undefined : Math.round((serverCpuSec / seconds) * 1000) / 10,
    serverCpuUsPerRequest:
      serverCpuSec === undefined || !total
        ? undefined
        : Math.round((serverCpuSec / total) * 1e7) / 10,
    loadGeneratorCpuPercent: Math.round((loadGenCpuSec / seconds) * 1000) / 10,
    rssMb: rss,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    failed,
    // Failed answers and socket errors among everything sent (autocannon counts errors apart).
    errorRate: total + result.errors ? failed / (total + result.errors) : 0,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
  };
}

// --- probe ----------------------------------------------------------------------------------

/** Free-form JSON values (audit entries' old and new values): their keys are data, not shape. */
const OPAQUE = new Set(['oldValues', 'newValues']);

/** Keys of a JSON value, recursively (arrays by their first element): the answer's shape. */
export function shapeOf(value) {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value === null || typeof value !== 'object') return '*';
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, OPAQUE.has(k) ? '*' : shapeOf(value[k])]),
  );
}

/**
 * Sends `request` once and checks the answer: `status`, `json` (deep-equal body) and
 * `check(body)` (a problem string or undefined). Throws with the answer on a mismatch, so no
 * scenario can silently measure 401s, 404s, 429s or empty lists.
 */
export async function probeRequest(baseUrl, request, { status, json, check }) {
  const response = await fetch(baseUrl + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  let problem;
  if (status !== undefined && response.status !== status) {
    problem = `status ${response.status}, expected ${status}`;
  } else if (json !== undefined && !isDeepStrictEqual(body, json)) {
    problem = `body differs from ${JSON.stringify(json)}`;
  } else if (check) {
    problem = check(body);
  }
  if (problem) {
    throw new Error(
      `${request.method} ${request.path}: ${problem}\n  got ${response.status}: ${text.slice(0, 600)}`,
    );
  }
  return {
    status: response.status,
    bytes: Buffer.byteLength(text),
    rateLimited: response.headers.has('x-ratelimit-limit'),
    body,
  };
}
