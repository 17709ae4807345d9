#!/usr/bin/env node
/**
 * HTTP benchmark: the built app versus a bare Fastify server doing the same essential work
 * (bench/raw-server.mjs: same SQL, same JWT check, same JSON), measured on the same machine, in
 * the same run, with the same load generator settings. The scenarios are in bench/scenarios.mjs.
 *
 *   npm run bench                          # = npm run build && node bench/run.mjs
 *   BENCH_SCENARIOS=files-list BENCH_DURATION=2 BENCH_ROUNDS=1 node bench/run.mjs
 *
 * Options (environment):
 *   BENCH_DURATION        seconds per measured run                         (default 5)
 *   BENCH_CONNECTIONS     concurrent connections, pipelining is 1          (default 50)
 *   BENCH_ROUNDS          measured rounds per scenario and target          (default 3)
 *   BENCH_WARMUP          seconds per warm-up run, 0 skips the warm-up     (default 1)
 *   BENCH_P99_CONNECTIONS connections of the p99 pass, 0 skips it          (default 100)
 *   BENCH_P99_DURATION    seconds per target of the p99 pass               (default 2; login
 *                         and upload at least 5)
 *   BENCH_SCENARIOS       comma list of scenario ids, `none` for only the memory phase (default all)
 *   BENCH_MEMORY          0 skips the memory and cold-start phase (bench/memory.mjs) (default 1)
 *   BENCH_STARTS          cold starts measured                             (default 3)
 *   BENCH_RAW_PREPARED    0: the raw server sends unnamed statements       (default 1: named)
 *   BENCH_APP_NODE_ARGS   node flags for the app, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (none)
 *   DATABASE_URL          use this database as is (not created, not dropped)
 *   BENCH_PG_ADMIN_URL    where to create the throwaway database
 *                         (default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * What happens:
 *   1. Database: DATABASE_URL, or a throwaway `bench_<pid>`, or (no PostgreSQL reachable) the
 *      app's embedded one: `mode: "development-embedded-pg"`, database scenarios skipped.
 *   2. Children: the app (dist/src/main.js, production, see appEnvironment in bench/lib.mjs) and
 *      bench/raw-server.mjs, both waited on with GET /ready; an in-process SMTP sink for the
 *      app's verification mails.
 *   3. Setup (users registered through the app, rows seeded with pg) and one probe per request
 *      and target: status, body (`check`), and for REST twins the same JSON shape on both sides.
 *      argon2 cost: 50 sequential verifies of the login user's hash, here, before any load.
 *   4. Load (autocannon, in this process): one warm-up run per scenario and target, then
 *      BENCH_ROUNDS rounds, the order alternating (app, raw / raw, app / ...) against drift; then
 *      the p99 pass at BENCH_P99_CONNECTIONS. Per run: req/s, latency percentiles (1 µs
 *      resolution), the server's CPU time from /proc/<pid>/stat (utime + stime, CLK_TCK) per
 *      request, and its RSS (VmRSS) before, at the end and at the peak of the run.
 *   5. Memory phase (bench/memory.mjs): cold start to /ready, RSS per PROCESS_ROLE.
 *   6. bench/results/latest.json (rewritten after every round: `partial: true` until the end),
 *      a console table, markdown tables, the targets of issue 14 (item 2) and the seed floors
 *      (item 5) as PASS/MISS. A failed request during a measured run exits 1 (numbers invalid);
 *      a missed target does not.
 *   7. Children stopped, the throwaway database dropped, also on failure, SIGINT and SIGTERM.
 */
import { verify as argon2Verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import {
  APP_ENTRY,
  RAW_ENTRY,
  RESULTS_DIR,
  ROOT,
  appEnvironment,
  baseEnv,
  fail,
  freePort,
  log,
  median,
  medianOf,
  nonNegativeInt,
  positiveInt,
  prepareDatabase,
  probeRequest,
  rssMb,
  runLoad,
  shapeOf,
  sleep,
  startApp,
  startChild,
  startMailSink,
  stopAllChildren,
  stopChild,
  stopCurrentLoad,
  waitReady,
} from './lib.mjs';
import { measureMemoryAndStart } from './memory.mjs';
import {
  consoleTable,
  evaluateFloors,
  evaluateTargets,
  fmtInt,
  fmtMb,
  fmtMs,
  fmtPct,
  fmtUs,
  markdown,
  ratio,
} from './report.mjs';
import { PASSWORD, SCENARIOS, mixedCycle, mixedUser } from './scenarios.mjs';

const options = {
  duration: positiveInt('BENCH_DURATION', 5),
  connections: positiveInt('BENCH_CONNECTIONS', 50),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  warmup: nonNegativeInt('BENCH_WARMUP', 1),
  p99Connections: nonNegativeInt('BENCH_P99_CONNECTIONS', 100),
  p99Duration: positiveInt('BENCH_P99_DURATION', 2),
  memory: nonNegativeInt('BENCH_MEMORY', 1) > 0,
  starts: positiveInt('BENCH_STARTS', 3),
  rawPrepared: process.env.BENCH_RAW_PREPARED !== '0',
  // e.g. `--cpu-prof --cpu-prof-dir=bench/results/profiles`: the app's profile, written on exit.
  appNodeArgs: (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean),
  pipelining: 1,
};
const only = (process.env.BENCH_SCENARIOS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const cleanups = []; // run in reverse at the end
let cleaning;
let stopping = false; // set by SIGINT/SIGTERM: no further load runs
const PAUSE_MS = 200; // between runs

// --- probing and load -------------------------------------------------------------------------

const asList = (spec, ctx) => {
  const value = typeof spec === 'function' ? spec(ctx) : spec;
  return (Array.isArray(value) ? value : [value]).map((r) => ({
    method: 'GET',
    headers: {},
    ...r,
  }));
};

/** Every distinct request of a target once; answers of the first request kept for shape checks. */
async function probeTarget(scenario, target, url, requests, ctx) {
  const seen = new Set();
  let first;
  for (const request of requests) {
    const key = `${request.method} ${request.path} ${request.body?.length ?? 0}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const check = request.check ?? (scenario.check && ((body) => scenario.check(body, ctx)));
    let answer;
    try {
      answer = await probeRequest(url, request, { ...scenario.expect, check });
    } catch (error) {
      throw new Error(`${scenario.id} on ${target}: ${error.message}`, { cause: error });
    }
    first ??= answer;
    log(
      `probe ${scenario.id} on ${target}: ${request.method} ${request.path} ${answer.status}, ` +
        `${answer.bytes} bytes, rate limiter ${answer.rateLimited ? 'applied' : 'not applied'}`,
    );
  }
  return first;
}

function compareTwins(scenario, appProbe, rawProbe) {
  if (!scenario.sameShape) return;
  const a = JSON.stringify(shapeOf(appProbe.body));
  const r = JSON.stringify(shapeOf(rawProbe.body));
  if (a !== r) {
    throw new Error(
      `${scenario.id}: the raw answer's shape differs from the app's\n  app ${a}\n  raw ${r}`,
    );
  }
  if (scenario.kind === 'rest-read' && !isDeepStrictEqual(appProbe.body, rawProbe.body)) {
    log(
      `note: ${scenario.id}: same shape, different content (e.g. an audit entry written in between)`,
    );
  }
}

async function argon2Cost(pool, email, n = 50) {
  const { rows } = await pool.query('SELECT password_hash FROM users WHERE email = $1', [email]);
  const hash = rows[0].password_hash;
  const [, algorithm, memoryKiB, iterations, parallelism] =
    /^\$(argon2\w+)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash) ?? [];
  await argon2Verify(hash, PASSWORD); // warm
  const us = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (!(await argon2Verify(hash, PASSWORD))) fail('argon2: the login password did not verify');
    us.push((performance.now() - t0) * 1000);
  }
  const result = {
    verifies: n,
    medianUs: Math.round(median(us)),
    meanUs: Math.round(us.reduce((a, b) => a + b, 0) / n),
    minUs: Math.round(Math.min(...us)),
    maxUs: Math.round(Math.max(...us)),
    algorithm,
    memoryKiB: Number(memoryKiB),
    iterations: Number(iterations),
    parallelism: Number(parallelism),
    method:
      "sequential @node-rs/argon2 verify() of the login user's stored hash in the benchmark process, before any load",
  };
  log(
    `argon2: ${n} verifies, median ${result.medianUs} us each (${algorithm} m=${memoryKiB} t=${iterations} p=${parallelism})`,
  );
  return result;
}

function aggregate(runs) {
  if (runs.length === 0) return undefined;
  const total = runs.reduce((n, r) => n + r.requests + r.errors, 0);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  return {
    connections: runs[0].connections,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p50Ms: medianOf(runs.map((r) => r.latencyMs.p50)),
    p95Ms: medianOf(runs.map((r) => r.latencyMs.p95)),
    p99Ms: medianOf(runs.map((r) => r.latencyMs.p99)),
    reqPerSecRounds: runs.map((r) => r.reqPerSec),
    serverCpuPercent: medianOf(runs.map((r) => r.serverCpuPercent)),
    serverCpuUsPerRequest: medianOf(runs.map((r) => r.serverCpuUsPerRequest)),
    loadGeneratorCpuPercent: median(runs.map((r) => r.loadGeneratorCpuPercent)),
    bytesPerResponse: medianOf(runs.map((r) => r.bytesPerResponse)),
    rssEndMb: medianOf(runs.map((r) => r.rssMb.end)),
    rssPeakMb: Math.max(...runs.map((r) => r.rssMb.peak ?? 0)),
    failedRequests: failed,
    errorRate: total ? failed / total : 0,
  };
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

// --- main -------------------------------------------------------------------------------------------

const loadAverageAtStart = loadavg().map((n) => Math.round(n * 100) / 100);

function writeReport(report) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

async function main() {
  if (!existsSync(APP_ENTRY)) fail(`${APP_ENTRY} is missing: run \`npm run build\` first`);
  if (existsSync(join(ROOT, '.env'))) {
    log('note: .env exists and the app loads it (variables set here take precedence)');
  }
  const none = only.length === 1 && only[0] === 'none';
  const scenarios = none ? [] : SCENARIOS.filter((s) => only.length === 0 || only.includes(s.id));
  if (scenarios.length === 0 && !none) {
    fail(`BENCH_SCENARIOS matched nothing (ids: ${SCENARIOS.map((s) => s.id)}, or none)`);
  }

  const db = await prepareDatabase();
  if (db.drop) cleanups.push(db.drop);
  if (db.databaseUrl) await warnIfFewConnections(db.databaseUrl);
  const mail = await startMailSink();
  cleanups.push(mail.close);
  const filesRoot = mkdtempSync(join(tmpdir(), 'nest-starter-bench-'));
  cleanups.push(() => rmSync(filesRoot, { recursive: true, force: true }));

  const appPort = await freePort();
  let rawPort = await freePort();
  while (rawPort === appPort) rawPort = await freePort();
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    SIGNING_SECRET: randomBytes(32).toString('hex'),
  };
  const envFor = (role, port) =>
    appEnvironment({
      db,
      port,
      secrets,
      smtpPort: mail.port,
      filesDir: join(filesRoot, 'app'),
      role,
    });
  const appEnv = envFor(undefined, appPort);
  const rawEnv = {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: String(rawPort),
    JWT_SECRET: secrets.JWT_SECRET,
    ACCESS_TTL: appEnv.JWT_ACCESS_TTL_SECONDS,
    UPLOAD_DIR: join(filesRoot, 'raw'),
    RAW_PREPARED: String(options.rawPrepared),
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  const appUrl = `http://127.0.0.1:${appPort}`;
  const rawUrl = `http://127.0.0.1:${rawPort}`;

  log(`starting app (${appEnv.NODE_ENV}) on ${appUrl} and raw server on ${rawUrl}`);
  const app = startApp('app', appEnv, options.appNodeArgs);
  const raw = startChild('raw', RAW_ENTRY, rawEnv);
  await Promise.all([
    waitReady(app, appUrl, db.mode === 'production' ? 60_000 : 180_000),
    waitReady(raw, rawUrl, 30_000),
  ]);
  log('both servers ready');

  const pool = db.databaseUrl
    ? new pg.Pool({ connectionString: db.databaseUrl, max: 2 })
    : undefined;
  if (pool) cleanups.push(() => pool.end());
  const ctxBase = {
    appUrl,
    rawUrl,
    databaseUrl: db.databaseUrl,
    appEnv,
    pg: pool,
    cache: new Map(),
  };

  // Setup and probe every scenario before any load.
  const planned = [];
  const skipped = [];
  let argon2;
  for (const scenario of scenarios) {
    if (scenario.needsDatabaseUrl && !db.databaseUrl) {
      skipped.push({ id: scenario.id, reason: 'needs a DATABASE_URL (embedded database in use)' });
      log(`skipping ${scenario.id}: needs a reachable PostgreSQL`);
      continue;
    }
    const extra = (await scenario.setup?.(ctxBase)) ?? {};
    if (extra.skip) {
      skipped.push({ id: scenario.id, reason: extra.skip });
      log(`skipping ${scenario.id}: ${extra.skip}`);
      continue;
    }
    const ctx = { ...ctxBase, ...extra };
    const targets = {
      app: { url: appUrl, pid: app.child.pid, requests: asList(scenario.app, ctx) },
      raw: { url: rawUrl, pid: raw.child.pid, requests: asList(scenario.raw, ctx) },
    };
    for (const [name, t] of Object.entries(targets)) {
      t.probe = await probeTarget(scenario, name, t.url, t.requests, ctx);
    }
    compareTwins(scenario, targets.app.probe, targets.raw.probe);
    if (scenario.kind === 'login') argon2 = await argon2Cost(pool, ctx.loginUser.email);
    planned.push({ scenario, targets, connections: scenario.connections ?? options.connections });
  }
  // The memory phase loads the mixed cycle: its user is registered while the app is up.
  const memoryCycle =
    options.memory && pool ? mixedCycle(await mixedUser(ctxBase), 'app') : undefined;
  await sleep(1000);
  const idleRssMb = { app: rssMb(app.child.pid), raw: rssMb(raw.child.pid) };

  const pause = PAUSE_MS / 1000;
  const perTarget = (scenario) =>
    2 * pause +
    (options.warmup ? options.warmup + pause : 0) +
    options.rounds * (options.duration + pause) +
    (options.p99Connections ? Math.max(options.p99Duration, scenario.p99Duration ?? 0) : 0);
  const estimate = planned.reduce((sum, { scenario }) => sum + 2 * perTarget(scenario), 0);
  log(
    `${planned.length} scenario(s), ${options.connections} connections (uploads: 10), pipelining 1, ` +
      `warm-up ${options.warmup} s, ${options.rounds} x ${options.duration} s per target, p99 pass ` +
      `${options.p99Connections ? `${options.p99Duration} s at ${options.p99Connections}` : 'off'} ` +
      `(about ${Math.ceil((estimate + (options.memory ? 45 : 0)) / 60)} min)`,
  );

  const meta = () => ({
    date: new Date().toISOString(),
    mode: db.mode,
    database: db.source,
    options,
    machine: machine(),
    appEnv: Object.fromEntries(
      Object.entries(appEnv).filter(
        ([k]) =>
          ![
            'PATH',
            'HOME',
            'TMPDIR',
            'LANG',
            'TZ',
            'DATABASE_URL',
            'SMTP_URL',
            'FILES_LOCAL_ROOT',
          ].includes(k) && !k.endsWith('SECRET'),
      ),
    ),
    metric:
      'reqPerSec = autocannon requests.average (mean of per-second samples); latency = per-response time measured by autocannon, recorded at 1 us resolution, p50/p95/p99 in ms; serverCpu = user+system CPU of the server process during the run (/proc/<pid>/stat utime+stime / CLK_TCK), per request and as % of one core; rssMb = VmRSS of /proc/<pid>/status before, at the end and at the peak (1 s samples) of each run; per scenario and target the median over measured rounds; ratio = app/raw of median req/s',
  });

  const runs = new Map(planned.map(({ scenario }) => [scenario.id, { app: [], raw: [] }]));
  const rounds = options.warmup > 0 ? [-1] : [];
  for (let r = 0; r < options.rounds; r++) rounds.push(r);
  for (const round of rounds) {
    const warm = round < 0;
    // Alternate the order between rounds: app, raw / raw, app / ...
    const order = round % 2 === 0 || warm ? ['app', 'raw'] : ['raw', 'app'];
    for (const { scenario, targets, connections } of planned) {
      for (const target of order) {
        if (stopping) return;
        const { url, pid, requests } = targets[target];
        const label = warm ? 'warm-up' : `round ${round + 1}/${options.rounds}`;
        const result = await runLoad({
          url,
          ...(requests.length > 1 ? { requests } : { request: requests[0] }),
          connections,
          duration: warm ? options.warmup : options.duration,
          pid,
        });
        logRun(label, scenario.id, target, result);
        if (stopping) return;
        if (!warm) runs.get(scenario.id)[target].push({ round: round + 1, ...result });
        await sleep(PAUSE_MS);
      }
    }
    if (!warm) {
      writeReport({
        ...meta(),
        partial: true,
        completedRounds: round + 1,
        runs: Object.fromEntries(runs),
      });
    }
  }

  // The p99 pass: one run per scenario and target at BENCH_P99_CONNECTIONS (JIT already warm).
  const p99Runs = new Map();
  if (options.p99Connections > 0) {
    for (const { scenario, targets } of planned) {
      const pass = {};
      const duration = Math.max(options.p99Duration, scenario.p99Duration ?? 0);
      for (const target of ['app', 'raw']) {
        if (stopping) return;
        const { url, pid, requests } = targets[target];
        pass[target] = await runLoad({
          url,
          ...(requests.length > 1 ? { requests } : { request: requests[0] }),
          connections: options.p99Connections,
          duration,
          pid,
        });
        logRun(`p99 @${options.p99Connections}`, scenario.id, target, pass[target]);
        await sleep(PAUSE_MS);
      }
      p99Runs.set(scenario.id, pass);
    }
  }

  const results = planned.map(({ scenario, targets }) => {
    const { app: appRuns, raw: rawRuns } = runs.get(scenario.id);
    const appAgg = aggregate(appRuns);
    const rawAgg = aggregate(rawRuns);
    const s = {
      id: scenario.id,
      title: scenario.title,
      kind: scenario.kind,
      ratio: ratio(appAgg.reqPerSec, rawAgg.reqPerSec),
      p99Ratio: ratio(appAgg.p99Ms, rawAgg.p99Ms),
      cpuRatio: ratio(appAgg.serverCpuUsPerRequest, rawAgg.serverCpuUsPerRequest),
      app: { ...appAgg, requests: describe(targets.app), runs: appRuns },
      raw: { ...rawAgg, requests: describe(targets.raw), runs: rawRuns },
      p99Pass: p99Runs.get(scenario.id),
    };
    s.p99At100Ratio = ratio(s.p99Pass?.app.latencyMs.p99, s.p99Pass?.raw.latencyMs.p99);
    s.targets = evaluateTargets(s);
    return s;
  });

  // Memory and start: the benchmark's own servers stop first, so one app runs at a time.
  await Promise.all([stopChild(app), stopChild(raw)]);
  let memory;
  if (options.memory && db.mode === 'production' && !stopping) {
    memory = await measureMemoryAndStart({
      env: envFor,
      cycle: memoryCycle,
      connections: options.connections,
      duration: options.duration,
      starts: options.starts,
    });
  }

  const report = {
    ...meta(),
    partial: false,
    scenarios: results,
    floors: evaluateFloors(results, options.connections),
    argon2,
    idleRssMb,
    memory,
    skipped,
  };
  const file = writeReport(report);
  const m = report.machine;
  process.stdout.write(
    `\nBenchmark: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ${report.mode}, ` +
      `${options.connections} connections, ${options.rounds} x ${options.duration} s rounds, medians\n` +
      `${consoleTable(results)}\n\nMarkdown:\n\n${markdown(report, options.p99Connections)}\n\nWritten ${file}\n`,
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

/**
 * The app holds up to DB_POOL_SIZE (20) + about 10 queue and listener connections, the raw server
 * 20, this process 2: when other work leaves fewer free, connections fail and the numbers lie.
 */
async function warnIfFewConnections(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT current_setting('max_connections')::int - count(*)::int AS free FROM pg_stat_activity`,
    );
    const free = rows[0].free;
    if (free < 80) {
      log(`WARNING: only ${free} free PostgreSQL connections (the run needs about 60 to 80)`);
    }
  } finally {
    await client.end();
  }
}

function logRun(label, id, target, r) {
  log(
    `${label.padEnd(11)} ${id.padEnd(19)} ${target}: ${fmtInt(r.reqPerSec)} req/s, ` +
      `p50 ${fmtMs(r.latencyMs.p50)} ms, p99 ${fmtMs(r.latencyMs.p99)} ms, ` +
      `server CPU ${fmtPct(r.serverCpuPercent)} (${fmtUs(r.serverCpuUsPerRequest)} us/req), ` +
      `RSS ${fmtMb(r.rssMb.end)} MB, autocannon CPU ${fmtPct(r.loadGeneratorCpuPercent)}` +
      (r.failed
        ? `, FAILED: non2xx ${r.non2xx} errors ${r.errors} timeouts ${r.timeouts} ${JSON.stringify(r.statusCodes)}`
        : ''),
  );
}

function describe(target) {
  return {
    list: target.requests.map(({ method, path }) => `${method} ${path}`),
    probeBodyBytes: target.probe.bytes,
    rateLimiterApplied: target.probe.rateLimited,
  };
}

async function cleanup() {
  cleaning ??= (async () => {
    stopCurrentLoad();
    await stopAllChildren();
    for (const step of cleanups.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((error) => log(`cleanup: ${error.message}`));
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
