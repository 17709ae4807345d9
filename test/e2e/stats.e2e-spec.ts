import { Module } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { ProcessMetricsSampler } from '../../src/modules/stats/process-metrics.sampler.js';
import { StatsRollupService } from '../../src/modules/stats/stats-rollup.service.js';
import { StatsRepository } from '../../src/modules/stats/stats.repository.js';
import { StatsService } from '../../src/modules/stats/stats.service.js';
import { UserActivityRecorder } from '../../src/modules/stats/user-activity.recorder.js';
import { FAST_AUTH, login, registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { NotificationsModule } from '../../src/modules/notifications/notifications.module.js';
import { NotificationsStatsSource } from '../../src/modules/notifications/notifications.stats-source.js';
import { NotificationEntity } from '../../src/modules/notifications/notification.entity.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootstrapAdmin } from '../support/users.js';

const HOUR = 3_600_000;
const MAX_BUCKETS = 12;

const SYSTEM_STATS = `query ($period: String) { systemStats(period: $period) {
  period registrations users { total new active banned unverified dau wau mau }
  signIns { succeeded failed } files { uploads storageBytes topUsers { userId bytes files } }
  notifications { sent { channel count } read } queues { name waiting completed failed }
  api { requests errorRate4xx errorRate5xx p95Ms routeGroups { group requests errors4xx errors5xx p95Ms } } } }`;
const TIMESERIES = `query ($input: StatsTimeseriesInput!) { statsTimeseries(input: $input) {
  metric interval from to timestamps series { name values } } }`;

// Until notifications.module.ts lists NotificationsStatsSource (the lead's line), mount it here.
@Module({
  imports: [TypeOrmModule.forFeature([NotificationEntity])],
  providers: [NotificationsStatsSource],
})
class NotificationsStatsTestModule {}
const notificationsSourceModules = (
  Reflect.getMetadata('providers', NotificationsModule) as unknown[]
).includes(NotificationsStatsSource)
  ? []
  : [NotificationsStatsTestModule];

const startOfHour = (at = new Date()) => new Date(Math.floor(at.getTime() / HOUR) * HOUR);
const startOfDay = (at = new Date()) => new Date(at.toISOString().slice(0, 10) + 'T00:00:00Z');

describe('stats', () => {
  const admin = bootstrapAdmin('stats-admin');
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  let user: RegisteredUser;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.query(sql, params))[0].count);

  /** Runs the rollup until both watermarks reach the open bucket (bounded per run). */
  const rollUpFully = async (): Promise<number> => {
    const rollup = t.app.get(StatsRollupService);
    for (let runs = 1; runs <= 20; runs++) {
      const result = await rollup.run();
      if (result.hour.to > result.hour.watermark && result.day.to > result.day.watermark)
        return runs;
    }
    throw new Error('the rollup did not catch up in 20 runs');
  };

  const fresh = async (period = 'day') => {
    t.app.get(StatsService).clearCache();
    const res = await t.rest({ url: `/api/v1/stats?period=${period}`, token: adminToken });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await bootApp({
      env: {
        ...admin.env,
        ...FAST_AUTH,
        RATE_LIMIT_STATS: '10000/1m',
        STATS_ROLLUP_MAX_BUCKETS: String(MAX_BUCKETS),
      },
      extraModules: notificationsSourceModules,
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    adminToken = await admin.signIn(t);
    user = await registerUser(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('counts registrations, bans and sign-ins made through the API exactly', async () => {
    await t.app.get(AuditWriter).flush();
    await rollUpFully();
    const before = await fresh('day');
    const seeded = [await registerUser(t), await registerUser(t)];
    const ban = await t.rest({
      method: 'POST',
      url: `/api/v1/admin/users/${seeded[1].id}/ban`,
      token: adminToken,
      payload: { reason: 'stats spec' },
    });
    expect(ban.statusCode, ban.body).toBe(200);
    await login(t, seeded[0].email, seeded[0].password);
    await login(t, seeded[0].email, seeded[0].password);
    const failed = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: seeded[0].email, password: 'not the password at all' },
    });
    expect(failed.statusCode).toBe(401);
    await t.app.get(AuditWriter).flush();
    await rollUpFully();
    const after = await fresh('day');

    expect(after.registrations - before.registrations).toBe(2);
    expect(after.users.new).toBe(after.registrations);
    expect(after.users.banned - before.users.banned).toBe(1);
    expect(after.users.total - before.users.total).toBe(2);
    // A registration signs the new user in: 2 registrations + 2 logins.
    expect(after.signIns.succeeded - before.signIns.succeeded).toBe(4);
    expect(after.signIns.failed - before.signIns.failed).toBe(1);
  });

  it('counts uploads, storage, top users and notifications of freshly inserted rows exactly', async () => {
    await rollUpFully();
    const before = await fresh('day');
    const [owner] = await db.query(
      `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
      [`stats-seed-${randomUUID()}@example.com`],
    );
    const huge = 10 ** 13; // makes the seeded owner the top user
    for (const size of [huge, 2000, 3000]) {
      await db.query(
        `INSERT INTO files (id, owner_id, kind, status, storage_driver, storage_key, name, mime_type, size, sha256)
         VALUES ($1, $2, 'attachment', 'ready', 'local', $3, 'seed.txt', 'text/plain', $4, repeat('a', 64))`,
        [randomUUID(), owner.id, `stats-seed/${randomUUID()}`, size],
      );
    }
    for (const [inApp, email, emailed, realtime, read] of [
      [true, false, false, false, false],
      [true, true, true, false, true],
      [false, true, false, true, false],
      [true, false, false, true, false],
    ]) {
      await db.query(
        `INSERT INTO notifications (id, user_id, type, level, title, body, in_app, email, realtime, emailed_at, read_at)
         VALUES ($1, $2, 'system_announcement', 'info', 'seed', 'seed', $3, $4, $5,
                 CASE WHEN $6 THEN now() END, CASE WHEN $7 THEN now() END)`,
        [randomUUID(), owner.id, inApp, email, realtime, emailed, read],
      );
    }
    await rollUpFully();
    const after = await fresh('day');

    expect(after.registrations - before.registrations).toBe(1);
    expect(after.users.unverified - before.users.unverified).toBe(1);
    expect(after.files.uploads - before.files.uploads).toBe(3);
    expect(after.files.storageBytes - before.files.storageBytes).toBe(huge + 5000);
    expect(after.files.topUsers[0]).toEqual({ userId: owner.id, bytes: huge + 5000, files: 3 });
    const sent = (body: { notifications: { sent: Array<{ channel: string; count: number }> } }) =>
      Object.fromEntries(body.notifications.sent.map((s) => [s.channel, s.count]));
    expect(sent(after).in_app - sent(before).in_app).toBe(3);
    expect(sent(after).email - sent(before).email).toBe(1);
    expect(sent(after).realtime - sent(before).realtime).toBe(2);
    expect(after.notifications.read - before.notifications.read).toBe(1);
    // And every number equals a direct count of the same window.
    const from = new Date(after.from);
    expect(after.registrations).toBe(
      await count('SELECT count(*) FROM users WHERE created_at >= $1', [from]),
    );
    expect(after.users.total).toBe(
      await count('SELECT count(*) FROM users WHERE deleted_at IS NULL'),
    );
    expect(after.users.unverified).toBe(
      await count(
        'SELECT count(*) FROM users WHERE deleted_at IS NULL AND email_verified_at IS NULL',
      ),
    );
    expect(after.signIns.succeeded).toBe(
      await count(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.login.succeeded' AND occurred_at >= $1",
        [from],
      ),
    );
    expect(after.signIns.failed).toBe(
      await count(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.login.failed' AND occurred_at >= $1",
        [from],
      ),
    );
    expect(after.files.storageBytes).toBe(
      await count('SELECT coalesce(sum(size), 0) AS count FROM files WHERE deleted_at IS NULL'),
    );
    expect(after.notifications.read).toBe(
      await count('SELECT count(*) FROM notifications WHERE read_at >= $1', [from]),
    );
  });

  it('counts each active user once a day: DAU, WAU and MAU', async () => {
    const active = [await registerUser(t), await registerUser(t)];
    for (const u of active) {
      for (let i = 0; i < 3; i++) {
        const res = await t.rest({ url: '/api/v1/users/me', token: u.accessToken });
        expect(res.statusCode).toBe(200);
      }
    }
    await t.app.get(UserActivityRecorder).flush();
    const today = new Date().toISOString().slice(0, 10);
    const rows = await count(
      'SELECT count(*) FROM user_daily_activity WHERE day = $1 AND user_id = ANY($2)',
      [today, active.map((u) => u.id)],
    );
    expect(rows).toBe(2);
    await rollUpFully();
    const stats = await fresh('week');
    const dau = await count('SELECT count(*) FROM user_daily_activity WHERE day = $1', [today]);
    expect(stats.users.dau).toBe(dau);
    expect(stats.users.wau).toBe(
      await count(
        'SELECT count(DISTINCT user_id) FROM user_daily_activity WHERE day > $1::date - 7',
        [today],
      ),
    );
    expect(stats.users.active).toBe(stats.users.wau);
    expect(stats.users.mau).toBeGreaterThanOrEqual(stats.users.wau);
  });

  it('counts a caller seen only over GraphQL, with no global interceptor on any request', async () => {
    const reader = await registerUser(t);
    const anonymous = await t.gql('{ __typename }');
    expect(anonymous.statusCode).toBe(200);
    const res = await t.gql('{ me { id } }', { token: reader.accessToken });
    expect(res.json().data.me.id).toBe(reader.id);
    await t.app.get(UserActivityRecorder).flush();
    const today = new Date().toISOString().slice(0, 10);
    expect(
      await count('SELECT count(*) FROM user_daily_activity WHERE day = $1 AND user_id = $2', [
        today,
        reader.id,
      ]),
    ).toBe(1);
    // A Fastify hook records it: one global interceptor would put every route through Nest's
    // RxJS interceptor chain (docs/performance.md, issue 14).
    const config = t.app.get(ApplicationConfig);
    expect(config.getGlobalInterceptors()).toEqual([]);
    expect(config.getGlobalRequestInterceptors()).toEqual([]);
  });

  it('sums the sampled request counters per route group, with 4xx and p95', async () => {
    const sampler = t.app.get(ProcessMetricsSampler);
    await sampler.sample();
    const before = await fresh('day');
    for (let i = 0; i < 3; i++) await t.rest({ url: '/api/v1/users/me', token: user.accessToken });
    // Unauthenticated: 401 on a matched route.
    for (let i = 0; i < 2; i++) await t.rest({ url: '/api/v1/users/me' });
    await sampler.sample();
    const after = await fresh('day');
    const group = (body: typeof before, name: string) =>
      body.api.routeGroups.find((g: { group: string }) => g.group === name) ?? {
        requests: 0,
        errors4xx: 0,
      };
    expect(group(after, 'users').requests - group(before, 'users').requests).toBe(5);
    expect(group(after, 'users').errors4xx - group(before, 'users').errors4xx).toBe(2);
    // The stats call between the two samples is counted in its own group.
    expect(group(after, 'stats').requests - group(before, 'stats').requests).toBe(1);
    expect(after.api.requests).toBe(
      after.api.routeGroups.reduce((n: number, g: { requests: number }) => n + g.requests, 0),
    );
    expect(after.api.p95Ms).toBeGreaterThan(0);
    expect(after.api.errorRate4xx).toBeGreaterThan(0);
  });

  it('reports queue depth live and jobs completed from the sampled counters', async () => {
    const jobs = t.app.get(JobsService);
    const before = await fresh('day');
    const { jobId } = await jobs.enqueue('stats', 'stats-rollup', {});
    await eventually(async () => {
      expect(await jobs.queue('stats').getJobState(jobId)).toBe('completed');
    });
    await t.app.get(ProcessMetricsSampler).sample();
    const after = await fresh('day');
    const stats = (body: typeof before) =>
      body.queues.find((q: { name: string }) => q.name === 'stats');
    expect(after.queues.map((q: { name: string }) => q.name)).toContain('mail');
    expect(stats(after).completed - stats(before).completed).toBe(1);
  });

  it('is idempotent: running the rollup again leaves the same rows', async () => {
    await t.app.get(AuditWriter).flush();
    await rollUpFully();
    const snapshot = async () => ({
      hourly: await db.query(
        "SELECT * FROM stats_hourly WHERE instance = '' AND metric <> 'queue.depth' ORDER BY metric, bucket, series",
      ),
      daily: await db.query(
        "SELECT * FROM stats_daily WHERE instance = '' AND metric <> 'queue.depth' ORDER BY metric, bucket, series",
      ),
    });
    // queue.depth is a live gauge (jobs come and go); everything else is recomputed identically.
    const first = await snapshot();
    await t.app.get(StatsRollupService).run();
    expect(await snapshot()).toEqual(first);
  });

  it('runs more concurrent rollups than the pool has connections without deadlocking', async () => {
    // The pool has TEST_POOL_SIZES.DB_POOL_SIZE (5) connections, and a run reads its sources
    // through the pool while it holds the rollup lock: a run waiting for that lock must not hold a
    // connection meanwhile, or seven of them starve the one that holds it (the test would hang).
    const rollup = t.app.get(StatsRollupService);
    const results = await Promise.all(Array.from({ length: 7 }, () => rollup.run()));
    expect(results).toHaveLength(7);
    for (const result of results) expect(result.day.to >= result.day.watermark).toBe(true);
  }, 60_000);

  it('catches up after downtime, at most STATS_ROLLUP_MAX_BUCKETS per run', async () => {
    const tenHoursAgo = new Date(Date.now() - 10 * HOUR);
    const bucket = startOfHour(tenHoursAgo);
    for (let i = 0; i < 3; i++) {
      await db.query(
        `INSERT INTO audit_log (occurred_at, actor_type, action, status) VALUES ($1, 'system', 'auth.login.failed', 'failure')`,
        [tenHoursAgo],
      );
    }
    // Down for 30 hours: the hourly watermark is far behind.
    await db.query("UPDATE stats_watermarks SET position = $1 WHERE name = 'rollup.hour'", [
      new Date(startOfHour().getTime() - 30 * HOUR),
    ]);
    const first = await t.app.get(StatsRollupService).run();
    expect(new Date(first.hour.to).getTime() - new Date(first.hour.from).getTime()).toBe(
      MAX_BUCKETS * HOUR,
    );
    expect(await rollUpFully()).toBeGreaterThanOrEqual(2);
    const stored = await db.query(
      "SELECT value FROM stats_hourly WHERE metric = 'sign_ins' AND series = 'failed' AND bucket = $1 AND instance = ''",
      [bucket],
    );
    expect(Number(stored[0].value)).toBe(
      await count(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.login.failed' AND occurred_at >= $1 AND occurred_at < $2",
        [bucket, new Date(bucket.getTime() + HOUR)],
      ),
    );
    expect(Number(stored[0].value)).toBeGreaterThanOrEqual(3);
  });

  it('serves chart-ready series with every bucket present, on REST and GraphQL alike', async () => {
    await rollUpFully();
    const to = new Date(startOfHour().getTime() + HOUR);
    const from = new Date(to.getTime() - 24 * HOUR);
    const query = `metric=sign_ins&from=${from.toISOString()}&to=${to.toISOString()}&interval=hour`;
    const rest = await t.rest({ url: `/api/v1/stats/timeseries?${query}`, token: adminToken });
    expect(rest.statusCode, rest.body).toBe(200);
    const body = rest.json();
    expect(body.timestamps).toHaveLength(24);
    expect(body.timestamps[0]).toBe(from.toISOString());
    expect(body.series.map((s: { name: string }) => s.name)).toEqual(['succeeded', 'failed']);
    const failed = body.series[1].values as number[];
    expect(failed).toHaveLength(24);
    expect(failed.reduce((a, b) => a + b, 0)).toBe(
      await count(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.login.failed' AND occurred_at >= $1 AND occurred_at < $2",
        [from, to],
      ),
    );
    const gql = await t.gql(TIMESERIES, {
      token: adminToken,
      variables: {
        input: {
          metric: 'sign_ins',
          from: from.toISOString(),
          to: to.toISOString(),
          interval: 'hour',
        },
      },
    });
    expect(gql.json().data.statsTimeseries).toEqual(body);

    const daily = await t.rest({
      url: `/api/v1/stats/timeseries?metric=active_users&from=${new Date(startOfDay().getTime() - 6 * 24 * HOUR).toISOString()}&to=${new Date().toISOString()}`,
      token: adminToken,
    });
    expect(daily.statusCode, daily.body).toBe(200);
    expect(daily.json().interval).toBe('day');
    expect(daily.json().timestamps).toHaveLength(7);
  });

  it('lists the closed set of metrics with their series', async () => {
    const res = await t.rest({ url: '/api/v1/stats/metrics', token: adminToken });
    expect(res.statusCode).toBe(200);
    const names = res.json().map((m: { name: string }) => m.name);
    expect(names).toEqual([
      'users',
      'active_users',
      'sign_ins',
      'uploads',
      'storage',
      'notifications',
      'queue_depth',
      'queue_jobs',
      'api_requests',
      'api_latency',
    ]);
    const gql = await t.gql('{ statsMetrics { name series intervals } }', { token: adminToken });
    expect(gql.json().data.statsMetrics.map((m: { name: string }) => m.name)).toEqual(names);
  });

  it('caches an answer for STATS_CACHE_SECONDS: a second call does not query', async () => {
    const service = t.app.get(StatsService);
    const repository = t.app.get(StatsRepository);
    service.clearCache();
    const sums = vi.spyOn(repository, 'sums');
    const series = vi.spyOn(repository, 'series');
    try {
      const [a, b] = await Promise.all([
        t.rest({ url: '/api/v1/stats?period=month', token: adminToken }),
        t.gql(SYSTEM_STATS, { token: adminToken, variables: { period: 'month' } }),
      ]);
      const c = await t.rest({ url: '/api/v1/stats?period=month', token: adminToken });
      expect(sums).toHaveBeenCalledTimes(1);
      expect(c.json()).toEqual(a.json());
      expect(b.json().data.systemStats.users).toEqual(a.json().users);
      const url = `/api/v1/stats/timeseries?metric=uploads&from=${new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z&to=${new Date().toISOString()}`;
      await t.rest({ url, token: adminToken });
      await t.rest({ url, token: adminToken });
      expect(series).toHaveBeenCalledTimes(1);
    } finally {
      sums.mockRestore();
      series.mockRestore();
    }
  });

  it('is for admins only: 403 FORBIDDEN on REST, FORBIDDEN on GraphQL', async () => {
    for (const url of [
      '/api/v1/stats',
      '/api/v1/stats/metrics',
      '/api/v1/stats/timeseries?metric=users&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
    ]) {
      const res = await t.rest({ url, token: user.accessToken });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
    }
    const gql = await t.gql(SYSTEM_STATS, { token: user.accessToken });
    expect(gql.json().errors[0].extensions.code).toBe('FORBIDDEN');
    expect(gql.json().data).toBeNull();
    const anonymous = await t.rest({ url: '/api/v1/stats' });
    expect(anonymous.statusCode).toBe(401);
  });

  describe('refuses bad ranges and unknown metrics with 400 naming the field', () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        'an unknown metric',
        { metric: 'passwords', from: iso(now - 86_400_000), to: iso(now) },
        'metric',
      ],
      ['a missing metric', { from: iso(now - 86_400_000), to: iso(now) }, 'metric'],
      ['from not ISO 8601', { metric: 'users', from: 'yesterday', to: iso(now) }, 'from'],
      ['to not ISO 8601', { metric: 'users', from: iso(now - 86_400_000), to: '2026-13-45' }, 'to'],
      ['from after to', { metric: 'users', from: iso(now), to: iso(now - 86_400_000) }, 'from'],
      ['from equal to to', { metric: 'users', from: iso(now), to: iso(now) }, 'from'],
      [
        'more than 400 points',
        { metric: 'users', from: iso(now - 401 * 86_400_000), to: iso(now) },
        'to',
      ],
      [
        'hourly beyond 48 h',
        { metric: 'users', from: iso(now - 72 * HOUR), to: iso(now), interval: 'hour' },
        'from',
      ],
      [
        'an unknown interval',
        { metric: 'users', from: iso(now - HOUR), to: iso(now), interval: 'minute' },
        'interval',
      ],
      [
        'hourly for a daily metric',
        { metric: 'active_users', from: iso(now - HOUR), to: iso(now), interval: 'hour' },
        'interval',
      ],
    ];
    it.each(cases)('%s', async (_name, query, field) => {
      const watermarks = await db.query('SELECT * FROM stats_watermarks ORDER BY name');
      const res = await t.rest({
        url: `/api/v1/stats/timeseries?${new URLSearchParams(query)}`,
        token: adminToken,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      const gql = await t.gql(TIMESERIES, {
        token: adminToken,
        variables: { input: { interval: 'day', ...query, metric: query.metric ?? '' } },
      });
      expect(gql.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      // A refused read changes nothing.
      expect(await db.query('SELECT * FROM stats_watermarks ORDER BY name')).toEqual(watermarks);
    });

    it('a period outside day|week|month', async () => {
      const res = await t.rest({ url: '/api/v1/stats?period=year', token: adminToken });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors[0].field).toBe('period');
    });
  });
});

describe('stats rate limit', () => {
  const admin = bootstrapAdmin('stats-limit');
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await bootApp({ env: { ...admin.env, ...FAST_AUTH, RATE_LIMIT_STATS: '3/1m' } });
    adminToken = await admin.signIn(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 RATE_LIMIT_EXCEEDED past RATE_LIMIT_STATS, with the headers; GraphQL shares the budget', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await t.rest({ url: '/api/v1/stats', token: adminToken });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(3 - i));
    }
    const limited = await t.rest({ url: '/api/v1/stats', token: adminToken });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const gql = await t.gql(SYSTEM_STATS, { token: adminToken });
    expect(gql.json().errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });
});
