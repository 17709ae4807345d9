import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { parse } from 'yaml';
import { bootApp, type TestApp } from '../support/app.js';

const run = promisify(execFile);
const PROMETHEUS = join(process.cwd(), 'deploy', 'prometheus');
const GRAFANA = join(process.cwd(), 'deploy', 'grafana');

// Series that do not come from the app: Prometheus' own `up`, node-exporter's filesystem
// gauges, and the backup status the backup command writes for node-exporter's textfile
// collector (docs/deployment.md "Backup status").
const EXTERNAL_METRICS = new Set([
  'up',
  'node_filesystem_avail_bytes',
  'node_filesystem_size_bytes',
  'nest_starter_backup_last_success_timestamp_seconds',
  'nest_starter_backup_last_failure_timestamp_seconds',
]);
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression reads (functions, labels, strings and durations left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '');
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((m) => m[1]);
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase())))];
}

/** Every series name the app can expose, from the TYPE lines of its /metrics. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

async function promtool(ctx: TestContext): Promise<string> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    // CI sets REQUIRE_REDIS=1 and installs promtool: missing there is a failure, not a skip.
    if (process.env.REQUIRE_REDIS === '1') {
      throw new Error('promtool is not installed (Debian package prometheus), and CI needs it');
    }
    ctx.skip('promtool is not installed (Debian package prometheus)');
    return '';
  }
}

const ruleExpressions = (): Array<{ alert: string; expr: string }> => {
  const rules = parse(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  return rules.groups.flatMap((group) => group.rules);
};

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; datasource: { uid: string } }>;
}
const dashboard = JSON.parse(
  readFileSync(join(GRAFANA, 'dashboards', 'nest-starter.json'), 'utf8'),
) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } }> };
};
const dashboardExpressions = () => [
  ...dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr),
  // Grafana's label_values(<selector>, <label>): the selector is PromQL, the label is not.
  ...dashboard.templating.list.map((variable) =>
    variable.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
  ),
];

describe('Prometheus rules and config (deploy/prometheus)', () => {
  it('promtool check config: the scrape config with its rule files', async (ctx) => {
    const tool = await promtool(ctx);
    // The token file exists only inside the compose container: point it at a temporary one.
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(dir, 'metrics-token'), 'x'.repeat(32));
    const config = readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8');
    expect(config).toContain('credentials_file: /prometheus/metrics-token');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      config.replaceAll('/prometheus/metrics-token', join(dir, 'metrics-token')),
    );
    copyFileSync(join(PROMETHEUS, 'alerts.yml'), join(dir, 'alerts.yml'));
    const { stdout } = await run(tool, ['check', 'config', join(dir, 'prometheus.yml')]);
    expect(stdout).toMatch(/SUCCESS: 1 rule files found/);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool check rules', async (ctx) => {
    const tool = await promtool(ctx);
    const { stdout } = await run(tool, ['check', 'rules', join(PROMETHEUS, 'alerts.yml')]);
    expect(stdout).toContain(`SUCCESS: ${ruleExpressions().length} rules found`);
  });

  it('promtool test rules: every alert has a unit test that makes it fire', async (ctx) => {
    const tool = await promtool(ctx);
    const { stdout } = await run(tool, ['test', 'rules', 'alerts.test.yml'], {
      cwd: PROMETHEUS,
    });
    expect(stdout).toContain('SUCCESS');
    const tests = parse(readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const fired = new Set(
      tests.tests
        .flatMap((t) => t.alert_rule_test)
        .filter((t) => t.exp_alerts.length > 0)
        .map((t) => t.alertname),
    );
    expect([...fired].sort()).toEqual(
      ruleExpressions()
        .map((rule) => rule.alert)
        .sort(),
    );
  });

  it('a failing expectation fails promtool test rules (the unit tests are not vacuous)', async (ctx) => {
    const tool = await promtool(ctx);
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    copyFileSync(join(PROMETHEUS, 'alerts.yml'), join(dir, 'alerts.yml'));
    const tests = readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8');
    writeFileSync(join(dir, 'alerts.test.yml'), tests.replace('queue: webhooks', 'queue: mail'));
    const result = await run(tool, ['test', 'rules', 'alerts.test.yml'], { cwd: dir }).then(
      () => 'passed',
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(result).toContain('FAILED');
    expect(result).toContain('NestStarterQueueJobsFailing');
  });
});

describe('Grafana provisioning (deploy/grafana)', () => {
  it('the dashboard reads the provisioned datasource, every panel has a query', () => {
    const datasources = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as { datasources: Array<{ uid: string; url: string }> };
    expect(datasources.datasources[0].url).toBe('http://prometheus:9090');
    const uid = datasources.datasources[0].uid;
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource.uid).toBe(uid);
    }
    const provider = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'nest-starter.yml'), 'utf8'),
    ) as { providers: Array<{ options: { path: string } }> };
    expect(provider.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('covers RED per route, GraphQL, DB pool, queues, notifications and the process', () => {
    const used = new Set(dashboardExpressions().flatMap(metricNames));
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'graphql_operations_total',
      'graphql_errors_total',
      'db_pool_connections',
      'queue_jobs',
      'queue_jobs_total',
      'notifications_sent_total',
      'notifications_realtime_connections',
      'notifications_delivery_seconds_bucket',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(used, name).toContain(name);
    }
  });
});

describe('every metric the dashboard and the alerts read is one the app exports', () => {
  let t: TestApp;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await bootApp();
    const res = await t.rest({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    exported = exportedNames(res.body);
  });
  afterAll(() => t.close());

  it('the extractor finds metric names and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{route!~".*/stream"}[5m]))) > 1 and on (job) up == 1',
      ),
    ).toEqual(['http_request_duration_seconds_bucket', 'up']);
    expect(
      metricNames('time() - nest_starter_backup_last_success_timestamp_seconds > 26 * 3600'),
    ).toEqual(['nest_starter_backup_last_success_timestamp_seconds']);
  });

  it('alert rules', () => {
    const names = ruleExpressions().flatMap((rule) => metricNames(rule.expr));
    expect(names.length).toBeGreaterThan(10);
    const unknown = names.filter((name) => !exported.has(name) && !EXTERNAL_METRICS.has(name));
    expect(unknown).toEqual([]);
  });

  it('dashboard panels and variables', () => {
    const names = dashboardExpressions().flatMap(metricNames);
    expect(names.length).toBeGreaterThan(30);
    const unknown = names.filter((name) => !exported.has(name) && !EXTERNAL_METRICS.has(name));
    expect(unknown).toEqual([]);
  });
});
