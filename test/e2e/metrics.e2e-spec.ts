import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, TEST_POOL_SIZES, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

const run = promisify(execFile);

async function promtool(): Promise<string | null> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    return null;
  }
}

describe('metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ extraModules: [TestFeatureModule] });
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('labels HTTP metrics by route template, never by raw URL', async () => {
    const token = await t.tokenFor({});
    const id = randomUUID();
    await t.rest({ url: `/api/v1/jobs/${id}`, token });
    await t.rest({ url: `/no/such/${id}` });
    const text = await scrape();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/jobs\/:id",status="404"\} \d+/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/jobs\/:id",status="404"\}/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\}/);
    expect(text).toContain('http_requests_in_flight');
    expect(text).not.toContain(id);
  });

  it('counts GraphQL operations, durations and errors by operation name', async () => {
    await t.gql('query Probe { __typename }');
    await t.gql('query Broken { boom }');
    const text = await scrape();
    expect(text).toMatch(/graphql_operations_total\{type="query",operation="Probe"\} \d+/);
    expect(text).toMatch(
      /graphql_operation_duration_seconds_count\{type="query",operation="Probe"\} \d+/,
    );
    expect(text).toMatch(/graphql_errors_total\{operation="Broken",code="INTERNAL"\} \d+/);
    expect(text).toMatch(/graphql_query_complexity_count \d+/);
  });

  it('reports database pool, query durations, queue depth, job outcomes and process metrics', async () => {
    const token = await t.tokenFor({});
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/test/jobs',
      payload: { kind: 'echo' },
      token,
    });
    const { jobId } = res.json();
    await eventually(async () => {
      const status = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
      expect(status.json().status).toBe('completed');
    });
    expect((await t.rest({ url: '/ready' })).statusCode).toBe(200);
    const text = await scrape();
    expect(text).toContain(`db_pool_connections{state="max"} ${TEST_POOL_SIZES.DB_POOL_SIZE}`);
    expect(text).toMatch(/db_pool_connections\{state="in_use"\} \d+/);
    expect(text).toMatch(
      /db_query_duration_seconds_count\{operation="select",success="true"\} \d+/,
    );
    expect(text).toMatch(/queue_jobs\{queue="maintenance",state="completed"\} [1-9]/);
    expect(text).toMatch(/queue_jobs_total\{queue="maintenance",outcome="completed"\} [1-9]/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  it('passes promtool check metrics', async (ctx) => {
    const tool = await promtool();
    // CI installs it (.ci/run, REQUIRE_REDIS=1): a missing promtool there is a failure, not a skip.
    if (!tool && process.env.REQUIRE_REDIS === '1') throw new Error('promtool is not installed');
    if (!tool) ctx.skip('promtool is not installed (Debian package prometheus)');
    const file = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'metrics.txt');
    writeFileSync(file, await scrape());
    const { stdout, stderr } = await run('sh', ['-c', `${tool} check metrics < ${file}`]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`.trim()).toBe('');
  });
});

describe('metrics protected by METRICS_TOKEN', () => {
  const token = 'f3a9c1e5b7d2046a8e1f3c5b7d9a0e2c';
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(() => t.close());

  it('answers 401 UNAUTHENTICATED without or with a wrong token, 200 with it', async () => {
    const none = await t.rest({ url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('UNAUTHENTICATED');
    const wrong = await t.rest({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const right = await t.rest({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(right.statusCode).toBe(200);
    expect(right.headers['content-type']).toContain('text/plain');
  });
});

describe('metrics switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { METRICS_ENABLED: 'false' } });
  });
  afterAll(() => t.close());

  it('answers 404 on /metrics', async () => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});
