import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { FAST_AUTH, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import {
  buildGqlCases,
  INTROSPECTION_QUERY,
  listGqlOperations,
  schemaFrom,
  type GqlOperation,
} from '../support/corpus/graphql.js';
import { buildGqlContractCases } from '../support/corpus/graphql-contract.js';
import { hostileDocuments } from '../support/corpus/graphql-documents.js';
import {
  buildRestCases,
  listOperations,
  type OpenApiDocument,
  type RestOperation,
} from '../support/corpus/openapi.js';
import { buildRestContractCases } from '../support/corpus/rest-contract.js';
import {
  CALLERS,
  Callers,
  HANG_MS,
  caseFilter,
  contractReport,
  judge,
  judgeContract,
  pool,
  report,
  send,
  type CorpusRequest,
  type Offender,
} from '../support/corpus/runner.js';

/** Operations the walkers do not exercise, each with the reason. Keep this list tiny. */
const EXCLUDED: Record<string, string> = {
  'POST /graphql': 'not a REST operation: the GraphQL walker below covers it field by field',
  'GET /graphql': 'same',
};

const SEED = Number(process.env.CORPUS_SEED ?? 20_260_101);
const REST_CASES = Number(process.env.CORPUS_CASES ?? 12);
const GQL_CASES = REST_CASES;
const CONCURRENCY = 4;
const selected = caseFilter(process.env.CORPUS_ONLY);

describe(`hostile-input corpus (CORPUS_SEED=${SEED})`, () => {
  let t: TestApp;
  let callers: Callers;
  let dir: string;
  const adminEmail = uniqueEmail('corpus-admin');
  const adminPassword = 'the corpus admin passphrase';
  const exercised = new Map<string, Set<string>>();
  /** Status and code counts per operation; CORPUS_VERBOSE=1 prints them. */
  const outcomes: Record<'rest' | 'graphql', Record<string, Record<string, number>>> = {
    rest: {},
    graphql: {},
  };
  const printOutcomes = (kind: 'rest' | 'graphql') => {
    if (process.env.CORPUS_VERBOSE !== '1') return;
    for (const [key, counts] of Object.entries(outcomes[kind])) {
      console.info(
        `${key}: ${Object.entries(counts)
          .map(([o, n]) => `${o}×${n}`)
          .join(', ')}`,
      );
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        RATE_LIMIT_STATS: '10000/1m',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: adminPassword,
        FILES_LOCAL_ROOT: join(dir, 'files'),
        EXPORT_DIR: join(dir, 'exports'),
        MAIL_DIR: join(dir, 'mail'),
      },
    });
    callers = new Callers(t, adminEmail, adminPassword);
    await callers.init();
    auditLostBefore = await auditEntriesLost();
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  let auditLostBefore = 0;
  /** The process-wide counter (every app booted in this worker adds to it): compared before/after. */
  const auditEntriesLost = async () => {
    const res = await t.rest({ url: '/metrics' });
    return Number(/^audit_entries_lost_total (\d+)/m.exec(res.body)?.[1] ?? 0);
  };

  /** A generator that throws is a corpus bug: reported with the offenders, never skipped. */
  function generate<T>(key: string, offenders: Offender[], build: () => T[]): T[] {
    try {
      return build();
    } catch (error) {
      offenders.push({
        caseId: key,
        caller: 'anonymous',
        method: '-',
        url: '-',
        summary: (error as Error).stack ?? String(error),
        status: 0,
        code: 'CORPUS_GENERATOR_FAILED',
        requestId: '-',
      });
      return [];
    }
  }

  /** Sends each case as every caller; returns the offenders. */
  async function run(kind: 'rest' | 'graphql', key: string, cases: CorpusRequest[]) {
    const offenders: Offender[] = [];
    const jobs = cases
      .filter((c) => selected(c.id))
      .flatMap((c) => CALLERS.map((caller) => ({ c, caller })));
    let hangs = 0;
    await pool(jobs, CONCURRENCY, async ({ c, caller }) => {
      // After two hangs the rest of the operation is reported unsent rather than waited for.
      const res = hangs >= 2 ? 'unsent' : await send(t, c, callers.token(caller));
      if (res === 'hang') hangs++;
      const verdict =
        res === 'hang'
          ? { bad: true, code: `NO_RESPONSE_IN_${HANG_MS}_MS`, requestId: '-' }
          : res === 'unsent'
            ? { bad: true, code: 'NOT_SENT_(THE_OPERATION_HUNG_TWICE)', requestId: '-' }
            : judge(kind, res);
      const status = typeof res === 'string' ? 0 : res.statusCode;
      if (process.env.CORPUS_VERBOSE === '1') {
        console.info(`case ${c.id} [${caller}] → ${status} ${verdict.code} ${verdict.requestId}`);
      }
      if (!exercised.has(key)) exercised.set(key, new Set());
      exercised.get(key)!.add(caller);
      const outcome = `${status} ${verdict.code}`;
      const counts = (outcomes[kind][key] ??= {});
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      if (verdict.bad) {
        offenders.push({
          caseId: c.id,
          caller,
          method: c.method,
          url: c.url,
          summary: c.summary,
          status,
          code: verdict.code,
          requestId: verdict.requestId,
        });
      }
    });
    if (jobs.length) await callers.ensure(key);
    return offenders;
  }

  let document: OpenApiDocument;
  let operations: RestOperation[];
  let gqlOperations: GqlOperation[];

  it(
    'REST: every OpenAPI operation × the corpus × three callers → no 5xx',
    { timeout: 180_000 },
    async () => {
      const res = await t.rest({ url: '/docs-json' });
      expect(res.statusCode).toBe(200);
      document = res.json() as OpenApiDocument;
      operations = listOperations(document).filter((op) => !(op.key in EXCLUDED));
      const started = Date.now();
      const offenders: Offender[] = [];
      let sent = 0;
      for (const op of operations) {
        if (op.unsupported) continue;
        const cases = generate(op.key, offenders, () =>
          buildRestCases(document, op, SEED, REST_CASES, callers.targets()),
        );
        sent += cases.filter((c) => selected(c.id)).length * CALLERS.length;
        offenders.push(...(await run('rest', op.key, cases)));
      }
      console.info(
        `hostile corpus REST: seed ${SEED}, ${operations.length} operations, ${sent} requests in ${Date.now() - started} ms`,
      );
      printOutcomes('rest');
      expect(offenders, report(SEED, offenders)).toEqual([]);
    },
  );

  it(
    'GraphQL: every Query and Mutation field × the corpus × three callers → no INTERNAL',
    { timeout: 180_000 },
    async () => {
      const res = await t.gql(INTROSPECTION_QUERY);
      expect(res.statusCode, res.body).toBe(200);
      const schema = schemaFrom((res.json() as { data: IntrospectionQuery }).data);
      gqlOperations = listGqlOperations(schema);
      const hints = document?.components?.schemas ?? {};
      const started = Date.now();
      const offenders: Offender[] = [];
      let sent = 0;
      for (const op of gqlOperations) {
        const cases = generate(op.key, offenders, () =>
          buildGqlCases(op, SEED, GQL_CASES, callers.targets(), hints),
        );
        sent += cases.filter((c) => selected(c.id)).length * CALLERS.length;
        offenders.push(...(await run('graphql', op.key, cases)));
      }
      const documents = hostileDocuments(schema);
      sent += documents.filter((c) => selected(c.id)).length * CALLERS.length;
      offenders.push(...(await run('graphql', 'documents', documents)));
      console.info(
        `hostile corpus GraphQL: seed ${SEED}, ${gqlOperations.length} fields + ${documents.length} documents, ${sent} requests in ${Date.now() - started} ms`,
      );
      printOutcomes('graphql');
      expect(offenders, report(SEED, offenders)).toEqual([]);
    },
  );

  /** The contract walk: each case sent as the admin (no permission check hides validation). */
  async function runContract(
    kind: 'rest' | 'graphql',
    cases: Array<CorpusRequest & { field: string }>,
  ): Promise<Offender[]> {
    const offenders: Offender[] = [];
    await pool(cases, CONCURRENCY, async (c) => {
      const res = await send(t, c, callers.token('admin'));
      const verdict =
        res === 'hang'
          ? { bad: true, code: `NO_RESPONSE_IN_${HANG_MS}_MS`, requestId: '-' }
          : judgeContract(kind, res, c.field);
      if (process.env.CORPUS_VERBOSE === '1') {
        console.info(`contract ${c.id} → ${verdict.code} ${verdict.requestId}`);
      }
      if (verdict.bad) {
        offenders.push({
          caseId: c.id,
          caller: 'admin',
          method: c.method,
          url: c.url,
          summary: c.summary,
          status: typeof res === 'string' ? 0 : res.statusCode,
          code: verdict.code,
          requestId: verdict.requestId,
        });
      }
    });
    return offenders;
  }

  it(
    'REST contract: every id, cursor and string of every operation, malformed → 400 VALIDATION_FAILED naming it',
    { timeout: 180_000 },
    async () => {
      const doc = (await t.rest({ url: '/docs-json' })).json() as OpenApiDocument;
      const offenders: Offender[] = [];
      let sent = 0;
      for (const op of listOperations(doc)) {
        if (op.key in EXCLUDED || op.unsupported) continue;
        const cases = generate(op.key, offenders, () =>
          buildRestContractCases(doc, op, SEED, callers.targets()),
        ).filter((c) => selected(c.id));
        sent += cases.length;
        offenders.push(...(await runContract('rest', cases)));
        if (cases.length) await callers.ensure(op.key);
      }
      console.info(`contract walk REST: ${sent} malformed inputs`);
      expect(sent).toBeGreaterThan(0);
      expect(offenders, contractReport(SEED, offenders)).toEqual([]);
    },
  );

  it(
    'GraphQL contract: every ID, cursor and String argument of every field, malformed → BAD_USER_INPUT naming it',
    { timeout: 180_000 },
    async () => {
      const doc = (await t.rest({ url: '/docs-json' })).json() as OpenApiDocument;
      const res = await t.gql(INTROSPECTION_QUERY);
      const schema = schemaFrom((res.json() as { data: IntrospectionQuery }).data);
      const offenders: Offender[] = [];
      let sent = 0;
      for (const op of listGqlOperations(schema)) {
        const cases = generate(op.key, offenders, () =>
          buildGqlContractCases(op, SEED, callers.targets(), doc.components?.schemas ?? {}),
        ).filter((c) => selected(c.id));
        sent += cases.length;
        offenders.push(...(await runContract('graphql', cases)));
        if (cases.length) await callers.ensure(op.key);
      }
      console.info(`contract walk GraphQL: ${sent} malformed inputs`);
      expect(sent).toBeGreaterThan(0);
      expect(offenders, contractReport(SEED, offenders)).toEqual([]);
    },
  );

  it('no audit entry was lost to a hostile input (audit_entries_lost_total unchanged)', async () => {
    await t.app.get(AuditWriter).flush();
    const lost = (await auditEntriesLost()) - auditLostBefore;
    expect(
      lost,
      `${lost} audit entries were dropped (a batch insert failed on every attempt). Rerun with ` +
        `CORPUS_SEED=${SEED} TEST_LOG_LEVEL=error CORPUS_VERBOSE=1 and look for "Audit flush failed".`,
    ).toBe(0);
  });

  it('no operation went unexercised (only EXCLUDED ones, with a reason)', () => {
    const expected = [
      ...(operations ?? []).map((op) => op.key),
      ...(gqlOperations ?? []).map((op) => op.key),
      'documents',
    ].filter(
      (key) => selected(key) || [...Array(REST_CASES).keys()].some((i) => selected(`${key}#${i}`)),
    );
    const missing = expected
      .filter((key) => (exercised.get(key)?.size ?? 0) < CALLERS.length)
      .map((key) => {
        const op = operations?.find((o) => o.key === key);
        return `${key}: ${op?.unsupported ?? 'no case reached it as every caller'}`;
      });
    expect(operations?.length ?? 0).toBeGreaterThan(0);
    expect(gqlOperations?.length ?? 0).toBeGreaterThan(0);
    expect(
      missing,
      'operations the corpus could not exercise (add a generator or an EXCLUDED reason)',
    ).toEqual([]);
    console.info(`hostile corpus repairs: ${callers.repairs.join('; ') || 'none'}`);
  });
});
