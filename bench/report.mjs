/**
 * The verdicts and tables of bench/run.mjs: the targets of issue 14 (item 2) and its seed floors
 * (item 5) as PASS/MISS, a console table per scenario, and the markdown tables that go to
 * docs/performance.md.
 */
/** Issue 14, item 2: minimum app/raw req/s by kind; maximum app/raw p99 at 100 and CPU/req. */
export const TARGETS = {
  throughput: { 'rest-read': 0.75, 'graphql-read': 0.6, health: 0.8 },
  p99At100: 1.5,
  cpuPerRequest: 2,
};
/** Issue 14, item 5: what the app must sustain on this machine. */
export const FLOORS = {
  loginPerSec: 100,
  readPerSec: 500,
  writePerSec: 50,
  uploads: 10,
  p95Ms: 2000,
  errorRate: 0.01,
};

// --- targets and floors ---------------------------------------------------------------------------

export const ratio = (a, b) => (a === undefined || b === undefined || !a || !b ? undefined : a / b);

export function evaluateTargets(s) {
  const min = TARGETS.throughput[s.kind];
  const p99 = ratio(s.p99Pass?.app.latencyMs.p99, s.p99Pass?.raw.latencyMs.p99);
  const cpu = ratio(s.app.serverCpuUsPerRequest, s.raw.serverCpuUsPerRequest);
  return {
    throughput:
      min === undefined ? undefined : { ratio: s.ratio, min, pass: (s.ratio ?? 0) >= min },
    p99At100:
      p99 === undefined
        ? undefined
        : { ratio: p99, max: TARGETS.p99At100, pass: p99 <= TARGETS.p99At100 },
    cpuPerRequest:
      cpu === undefined
        ? undefined
        : { ratio: cpu, max: TARGETS.cpuPerRequest, pass: cpu <= TARGETS.cpuPerRequest },
  };
}

export function evaluateFloors(results, connections) {
  const floors = [];
  const add = (name, measured, pass, scenarios) => floors.push({ name, measured, pass, scenarios });
  const of = (...kinds) => results.filter((s) => kinds.includes(s.kind));
  const slowest = (list) => list.reduce((a, b) => (b.app.reqPerSec < a.app.reqPerSec ? b : a));
  const perSec = (s) => `${Math.round(s.app.reqPerSec)}/s (${s.id})`;
  for (const [name, kinds, min] of [
    [`logins >= ${FLOORS.loginPerSec}/s`, ['login'], FLOORS.loginPerSec],
    [
      `authenticated reads >= ${FLOORS.readPerSec}/s`,
      ['rest-read', 'graphql-read'],
      FLOORS.readPerSec,
    ],
    [`writes >= ${FLOORS.writePerSec}/s`, ['write'], FLOORS.writePerSec],
  ]) {
    const list = of(...kinds);
    if (list.length === 0) continue;
    const worst = slowest(list);
    add(
      name,
      `slowest ${perSec(worst)}`,
      worst.app.reqPerSec >= min,
      list.map((s) => s.id),
    );
  }
  for (const s of of('upload')) {
    const ok =
      s.app.connections >= FLOORS.uploads &&
      s.app.errorRate < FLOORS.errorRate &&
      s.app.p95Ms < FLOORS.p95Ms;
    add(
      `${FLOORS.uploads} concurrent uploads (errors < 1 %, p95 < 2 s)`,
      `${s.app.connections} connections, errors ${pct(s.app.errorRate)}, p95 ${fmtMs(s.app.p95Ms)} ms`,
      ok,
      [s.id],
    );
  }
  const at = results.filter((s) => s.app.connections >= 50);
  if (at.length) {
    const p95 = at.reduce((a, b) => (b.app.p95Ms > a.app.p95Ms ? b : a));
    const err = at.reduce((a, b) => (b.app.errorRate > a.app.errorRate ? b : a));
    add(
      `p95 < 2 s and errors < 1 % at ${connections} connections`,
      `worst p95 ${fmtMs(p95.app.p95Ms)} ms (${p95.id}), worst errors ${pct(err.app.errorRate)} (${err.id})`,
      p95.app.p95Ms < FLOORS.p95Ms && err.app.errorRate < FLOORS.errorRate,
      at.map((s) => s.id),
    );
  }
  return floors;
}

// --- output ---------------------------------------------------------------------------------------

export const fmtInt = (n) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
export const fmtMs = (n) => (n === undefined ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtRatio = (n) => (n === undefined ? 'n/a' : n.toFixed(2));
export const fmtPct = (n) => (n === undefined ? 'n/a' : `${Math.round(n)}%`);
export const fmtUs = (n) => (n === undefined ? 'n/a' : n.toFixed(1));
export const fmtMb = (n) => (n === undefined ? 'n/a' : n.toFixed(0));
const pct = (n) => `${(n * 100).toFixed(2)} %`;
const verdict = (t, cmp) =>
  t === undefined ? '—' : `${fmtRatio(t.ratio)} ${t.pass ? 'PASS' : 'MISS'} (${cmp})`;

function table(header, rows, align) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (align?.[i] === 'l' || i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function consoleTable(results) {
  const lines = [];
  for (const s of results) {
    lines.push('', `${s.title}  (app/raw req/s: ${fmtRatio(s.ratio)})`);
    const header = [
      'target',
      'conns',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'CPU',
      'CPU us/req',
      'RSS end MB',
      'autocannon CPU',
      'bytes/resp',
      'req/s per round',
    ];
    const rows = ['app', 'raw'].map((t) => [
      t,
      String(s[t].connections),
      fmtInt(s[t].reqPerSec),
      fmtMs(s[t].p50Ms),
      fmtMs(s[t].p95Ms),
      fmtMs(s[t].p99Ms),
      fmtPct(s[t].serverCpuPercent),
      fmtUs(s[t].serverCpuUsPerRequest),
      fmtMb(s[t].rssEndMb),
      fmtPct(s[t].loadGeneratorCpuPercent),
      s[t].bytesPerResponse === undefined ? 'n/a' : String(s[t].bytesPerResponse),
      s[t].reqPerSecRounds.map(fmtInt).join(' / '),
    ]);
    for (const t of s.p99Pass ? ['app', 'raw'] : []) {
      const r = s.p99Pass[t];
      rows.push([
        `${t} p99 pass`,
        String(r.connections),
        fmtInt(r.reqPerSec),
        fmtMs(r.latencyMs.p50),
        fmtMs(r.latencyMs.p95),
        fmtMs(r.latencyMs.p99),
        fmtPct(r.serverCpuPercent),
        fmtUs(r.serverCpuUsPerRequest),
        fmtMb(r.rssMb.end),
        fmtPct(r.loadGeneratorCpuPercent),
        String(r.bytesPerResponse ?? 'n/a'),
        '',
      ]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i])));
    lines.push(`  ${line(header).join('  ')}`);
    for (const row of rows) lines.push(`  ${line(row).join('  ')}`);
  }
  return lines.join('\n');
}

export function markdown(report, p99At) {
  const { scenarios: results, floors, argon2, memory, idleRssMb } = report;
  const parts = [];
  if (results.length)
    parts.push(
      table(
        [
          'Scenario',
          'App req/s',
          'Raw req/s',
          'App/raw',
          'App p50 / p99 (ms)',
          'Raw p50 / p99 (ms)',
          `p99 @${p99At} app / raw (ms)`,
          'CPU µs/req app / raw',
          'RSS end MB app / raw',
        ],
        results.map((s) => [
          `\`${s.title}\``,
          fmtInt(s.app.reqPerSec),
          fmtInt(s.raw.reqPerSec),
          fmtRatio(s.ratio),
          `${fmtMs(s.app.p50Ms)} / ${fmtMs(s.app.p99Ms)}`,
          `${fmtMs(s.raw.p50Ms)} / ${fmtMs(s.raw.p99Ms)}`,
          s.p99Pass
            ? `${fmtMs(s.p99Pass.app.latencyMs.p99)} / ${fmtMs(s.p99Pass.raw.latencyMs.p99)}`
            : 'n/a',
          `${fmtUs(s.app.serverCpuUsPerRequest)} / ${fmtUs(s.raw.serverCpuUsPerRequest)}`,
          `${fmtMb(s.app.rssEndMb)} / ${fmtMb(s.raw.rssEndMb)}`,
        ]),
      ),
    );
  if (results.length)
    parts.push(
      `Targets (issue 14, item 2): app/raw req/s (REST reads >= 0.75, GraphQL reads >= 0.6, /health >= 0.8), p99 @${p99At} app/raw <= 1.5, CPU/req app/raw <= 2:\n\n` +
        table(
          ['Scenario', 'req/s app/raw', `p99 @${p99At} app/raw`, 'CPU/req app/raw'],
          results.map((s) => [
            s.id,
            verdict(s.targets.throughput, `>= ${s.targets.throughput?.min}`),
            verdict(s.targets.p99At100, '<= 1.5'),
            verdict(s.targets.cpuPerRequest, '<= 2'),
          ]),
        ),
    );
  if (floors.length) {
    parts.push(
      'Seed floors (issue 14, item 5), the app alone:\n\n' +
        table(
          ['Floor', 'Measured', 'Verdict'],
          floors.map((f) => [f.name, f.measured, f.pass ? 'PASS' : 'MISS']),
          ['l', 'l', 'l'],
        ),
    );
  }
  if (argon2) {
    parts.push(
      `argon2 (${argon2.algorithm}, m=${argon2.memoryKiB} KiB, t=${argon2.iterations}, p=${argon2.parallelism}): ` +
        `${argon2.verifies} sequential verifies, median ${fmtInt(argon2.medianUs)} µs each ` +
        `(mean ${fmtInt(argon2.meanUs)}, min ${fmtInt(argon2.minUs)}, max ${fmtInt(argon2.maxUs)}).`,
    );
  }
  parts.push(
    `Idle RSS after setup, before any load: app ${fmtMb(idleRssMb.app)} MB, raw ${fmtMb(idleRssMb.raw)} MB.`,
  );
  if (memory) {
    parts.push(
      `Cold start to the first 200 of /ready (PROCESS_ROLE=all, migrated database): ` +
        `${memory.coldStart.samplesMs.join(', ')} ms, median ${memory.coldStart.medianMs} ms ` +
        `(${memory.coldStart.medianMs < memory.coldStart.targetMs ? 'PASS' : 'MISS'} < 2 s).\n\n` +
        table(
          [
            'PROCESS_ROLE',
            'start → /ready (ms)',
            'idle RSS (MB)',
            'RSS under load, end / peak (MB)',
            'load req/s',
          ],
          memory.roles.map((r) => [
            r.role,
            String(r.startMs),
            fmtMb(r.idleRssMb),
            r.loadRssMb === undefined ? '—' : `${fmtMb(r.loadRssMb)} / ${fmtMb(r.loadPeakRssMb)}`,
            r.loadReqPerSec === undefined ? '—' : fmtInt(r.loadReqPerSec),
          ]),
        ),
    );
  }
  return parts.join('\n\n');
}
