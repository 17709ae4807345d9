#!/usr/bin/env node
/**
 * Per-row cost of a list page's plumbing (docs/performance.md, third round): rows shaped like
 * what `pg` builds for the files page (21 columns, `total` last), then
 *
 *   - dropping the total: a rest spread (second round) or `delete` of the last property (third
 *     round) against leaving it on the row (keysetPage now: the baseline);
 *   - the file DTO with its source row: a WeakMap entry per DTO (former) against a symbol-keyed
 *     property (now);
 *   - a DTO with more fields than another (admin users: the profile plus account state): a spread
 *     of the smaller one with the extra fields (former) against setting them on it (now);
 *   - a row's copy without its sort key (audit entries): rest and spread (former) against the
 *     DTO property by property (now);
 *
 * each against the baseline of handing the page on untouched, in the same run; each variant in a
 * child process of its own (no JIT state shared), medians of BENCH_RUNS runs.
 *
 *   node bench/list-rows.mjs            # BENCH_RUNS=5 BENCH_ROWS=200000
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAGE = 21; // limit 20 + the one that tells more follow

// Rows are built the way pg's Result (8.23) does: an empty row object prebuilt by adding each
// column in turn to an `Object.create(null)` and spreading that (addFields), then per row a
// spread of it and each value assigned in column order (parseRow).
const COLUMNS = [
  'id', 'ownerId', 'kind', 'status', 'storageDriver', 'storageKey', 'name', 'mimeType', 'size',
  'sha256', 'width', 'height', 'hasThumbnails', 'failureReason', 'createdAt', 'updatedAt',
  'processedAt', 'deletedAt', 'purgedAt', 'sortKey', 'total',
]; // prettier-ignore
const empty = Object.create(null);
for (const column of COLUMNS) empty[column] = null;
const prebuilt = { ...empty };
const values = (i) => [
  `id-${i}`, 'owner', 'image', 'ready', 'local', `k/${i}`, 'a.png', 'image/png', '102400', 'ab',
  10, 10, true, null, new Date(), new Date(), new Date(), null, null,
  '2026-12-03T00:00:00.000000Z', 50,
]; // prettier-ignore
const makeRow = (i) => {
  const row = { ...prebuilt };
  const data = values(i);
  for (let c = 0; c < COLUMNS.length; c++) row[COLUMNS[c]] = data[c];
  return row;
};
const toDto = (f) => ({
  id: f.id, ownerId: f.ownerId, kind: f.kind, name: f.name, mimeType: f.mimeType, size: f.size,
  sha256: f.sha256, status: f.status, width: f.width, height: f.height,
  hasThumbnails: f.hasThumbnails, createdAt: f.createdAt, processedAt: f.processedAt,
}); // prettier-ignore
const sources = new WeakMap();
const SOURCE = Symbol('file row');

const VARIANTS = {
  baseline: (rows) => rows,
  'total: rest spread (2nd round)': (rows) => rows.map(({ total: _total, ...row }) => row),
  'total: delete last (3rd round)': (rows) => {
    for (const row of rows) delete row.total;
    return rows;
  },
  'dto + WeakMap (before)': (rows) =>
    rows.map((row) => {
      const dto = toDto(row);
      sources.set(dto, row);
      return dto;
    }),
  'dto + symbol (now)': (rows) =>
    rows.map((f) => ({
      id: f.id, ownerId: f.ownerId, kind: f.kind, name: f.name, mimeType: f.mimeType,
      size: f.size, sha256: f.sha256, status: f.status, width: f.width, height: f.height,
      hasThumbnails: f.hasThumbnails, createdAt: f.createdAt, processedAt: f.processedAt,
      [SOURCE]: f,
    })), // prettier-ignore
  'dto spread + extras (before)': (rows) =>
    rows.map((f) => ({ ...toDto(f), storageKey: f.storageKey, updatedAt: f.updatedAt })),
  'dto, extras set (now)': (rows) =>
    rows.map((f) => {
      const dto = toDto(f);
      dto.storageKey = f.storageKey;
      dto.updatedAt = f.updatedAt;
      return dto;
    }),
  'row rest + spread (before)': (rows) =>
    rows.map(({ sortKey: _key, total: _total, ...row }) => ({ ...row, size: Number(row.size) })),
  'row property by property (now)': (rows) =>
    rows.map((f) => ({
      id: f.id, ownerId: f.ownerId, kind: f.kind, status: f.status, storageDriver: f.storageDriver,
      storageKey: f.storageKey, name: f.name, mimeType: f.mimeType, size: Number(f.size),
      sha256: f.sha256, width: f.width, height: f.height, hasThumbnails: f.hasThumbnails,
      failureReason: f.failureReason, createdAt: f.createdAt, updatedAt: f.updatedAt,
      processedAt: f.processedAt, deletedAt: f.deletedAt, purgedAt: f.purgedAt,
    })), // prettier-ignore
};

/**
 * One variant, in this (child) process: ns per row. The pages are built first (rows as pg makes
 * them), so the timed loop holds only the variant's own work; warm-up on pages of their own.
 */
function measure(name) {
  const fn = VARIANTS[name];
  const pages = (count) =>
    Array.from({ length: count }, () => Array.from({ length: PAGE }, (_, i) => makeRow(i)));
  let sink = 0;
  for (const page of pages(2000)) sink += fn(page).length;
  const measured = pages(Math.ceil(ROWS / PAGE));
  const start = process.hrtime.bigint();
  for (const page of measured) sink += fn(page).length;
  const ns = Number(process.hrtime.bigint() - start) / (measured.length * PAGE);
  return sink > 0 ? ns : NaN;
}

if (process.argv[2]) {
  process.stdout.write(String(measure(process.argv[2])));
} else {
  const self = fileURLToPath(import.meta.url);
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = {};
  for (let run = 0; run < RUNS; run++) {
    // Alternating order against drift.
    const names = Object.keys(VARIANTS);
    for (const name of run % 2 ? names.reverse() : names) {
      const ns = Number(execFileSync(process.execPath, [self, name], { encoding: 'utf8' }));
      (results[name] ??= []).push(ns);
    }
  }
  const base = median(results.baseline);
  console.log(`Node ${process.version}, ${ROWS} rows in pages of ${PAGE}, median of ${RUNS} runs`);
  console.log('| variant | ns per row | over the baseline |');
  console.log('| --- | ---: | ---: |');
  for (const [name, values] of Object.entries(results)) {
    const ns = median(values);
    console.log(
      `| ${name} | ${ns.toFixed(0)} | ${name === 'baseline' ? '—' : (ns - base).toFixed(0)} |`,
    );
  }
}
