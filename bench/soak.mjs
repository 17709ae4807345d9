#!/usr/bin/env node
/**
 * Soak (issue 14, item 4): the mixed scenario of bench/scenarios.mjs (70 % REST reads, 20 %
 * GraphQL me, 10 % PATCH) against the app alone for BENCH_SOAK_SECONDS, its RSS sampled every
 * BENCH_SOAK_SAMPLE_SECONDS from /proc/<pid>/status. Does memory grow without bound?
 *
 *   npm run bench:soak                       # = npm run build && node bench/soak.mjs
 *   BENCH_SOAK_SECONDS=60 node bench/soak.mjs
 *
 * Options (environment): BENCH_SOAK_SECONDS (default 600), BENCH_SOAK_CONNECTIONS (default 50),
 * BENCH_SOAK_SAMPLE_SECONDS (default 10), and DATABASE_URL / BENCH_PG_ADMIN_URL as for
 * bench/run.mjs (a throwaway `soak_<pid>` database by default).
 *
 * Reported (stdout, and bench/results/soak.json): RSS idle before the load, at the first sample,
 * the medians of the samples in the second and in the last quarter, at the end, min and max,
 * every sample; req/s, p99 and CPU µs per request over the whole soak. Verdict: no unbounded
 * growth when the last quarter's median exceeds the second quarter's by at most max(10 MB, 5 %)
 * (RSS swings with every GC cycle, so medians, not single samples; a heap that only warms up
 * grows in the first quarter and then stays flat).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  APP_ENTRY,
  RESULTS_DIR,
  appEnvironment,
  fail,
  freePort,
  log,
  median,
  positiveInt,
  prepareDatabase,
  probeRequest,
  rssMb,
  runLoad,
  sleep,
  startApp,
  startMailSink,
  stopAllChildren,
  stopCurrentLoad,
  waitReady,
} from './lib.mjs';
import { mixedCycle, mixedUser } from './scenarios.mjs';

const seconds = positiveInt('BENCH_SOAK_SECONDS', 600);
const connections = positiveInt('BENCH_SOAK_CONNECTIONS', 50);
const sampleSeconds = positiveInt('BENCH_SOAK_SAMPLE_SECONDS', 10);
const cleanups = [];

async function main() {
  if (!existsSync(APP_ENTRY)) fail(`${APP_ENTRY} is missing: run \`npm run build\` first`);
  const db = await prepareDatabase('soak');
  if (db.drop) cleanups.push(db.drop);
  if (!db.databaseUrl) fail('the soak needs a PostgreSQL (DATABASE_URL or BENCH_PG_ADMIN_URL)');
  const mail = await startMailSink();
  cleanups.push(mail.close);
  const filesDir = mkdtempSync(join(tmpdir(), 'nest-starter-soak-'));
  cleanups.push(() => rmSync(filesDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    SIGNING_SECRET: randomBytes(32).toString('hex'),
  };
  const env = appEnvironment({ db, port, secrets, smtpPort: mail.port, filesDir });
  const app = startApp('app', env);
  await waitReady(app, url, 60_000);
  const pool = new pg.Pool({ connectionString: db.databaseUrl, max: 2 });
  cleanups.push(() => pool.end());

  const ctx = { appUrl: url, databaseUrl: db.databaseUrl, appEnv: env, pg: pool, cache: new Map() };
  const cycle = mixedCycle(await mixedUser(ctx), 'app');
  for (const request of new Set(cycle)) {
    await probeRequest(url, request, { status: 200, check: request.check });
  }
  await sleep(3000);
  const idleRssMb = rssMb(app.child.pid);
  log(
    `soak: mixed cycle, ${connections} connections, ${seconds} s, RSS every ${sampleSeconds} s ` +
      `(idle ${idleRssMb} MB)`,
  );

  const samples = [];
  const result = await runLoad({
    url,
    requests: cycle,
    connections,
    duration: seconds,
    pid: app.child.pid,
    sampleEveryMs: sampleSeconds * 1000,
    onSample: (t, rss) => {
      samples.push({ t: Math.round(t), rssMb: rss });
      log(`soak ${String(Math.round(t)).padStart(4)} s: RSS ${rss} MB`);
    },
  });
  if (samples.length === 0) fail('no RSS sample: BENCH_SOAK_SECONDS below the sample interval');

  // RSS swings by tens of MB with each GC cycle: compare medians of quarters, not two samples.
  const rss = samples.map((s) => s.rssMb);
  const quarter = (from, to) => {
    const inside = samples.filter((s) => s.t > seconds * from && s.t <= seconds * to);
    return inside.length ? median(inside.map((s) => s.rssMb)) : undefined;
  };
  const first = samples[0];
  const end = { t: seconds, rssMb: result.rssMb.end };
  const secondQuarter = quarter(0.25, 0.5) ?? first.rssMb;
  const lastQuarter = quarter(0.75, 1) ?? end.rssMb;
  const growth = Math.round((lastQuarter - secondQuarter) * 10) / 10;
  const allowed = Math.round(Math.max(10, secondQuarter * 0.05) * 10) / 10;
  const report = {
    date: new Date().toISOString(),
    seconds,
    connections,
    sampleSeconds,
    idleRssMb,
    firstSample: first,
    end,
    medianRssSecondQuarterMb: secondQuarter,
    medianRssLastQuarterMb: lastQuarter,
    minRssMb: Math.min(...rss),
    maxRssMb: Math.max(...rss, end.rssMb),
    growthMb: growth,
    allowedGrowthMb: allowed,
    bounded: growth <= allowed,
    reqPerSec: result.reqPerSec,
    latencyMs: result.latencyMs,
    serverCpuUsPerRequest: result.serverCpuUsPerRequest,
    failed: result.failed,
    errorRate: result.errorRate,
    samples,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'soak.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nSoak: mixed cycle, ${connections} connections, ${seconds} s\n\n` +
      '| RSS idle | first sample | median, 2nd quarter | median, last quarter | end | min / max | growth | verdict |\n' +
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n' +
      `| ${idleRssMb} MB | ${first.rssMb} MB (${first.t} s) | ${secondQuarter} MB | ${lastQuarter} MB | ` +
      `${end.rssMb} MB | ${report.minRssMb} / ${report.maxRssMb} MB | ${growth} MB ` +
      `| ${report.bounded ? 'PASS' : 'MISS'} (<= ${allowed} MB) |\n\n` +
      `${Math.round(result.reqPerSec)} req/s, p99 ${result.latencyMs.p99?.toFixed(1)} ms, ` +
      `${result.serverCpuUsPerRequest} CPU µs/req, ${result.failed} failed\n\nWritten ${file}\n`,
  );
  if (result.failed > 0) process.exitCode = 1;
}

let cleaning;
function cleanup() {
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
