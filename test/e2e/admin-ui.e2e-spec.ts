import { Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { ADMIN_PAGE_CSP } from '../../src/core/http/security-headers.js';
import { AdminUiModule } from '../../src/modules/admin-ui/admin-ui.module.js';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { NotificationEntity } from '../../src/modules/notifications/notification.entity.js';
import { NotificationsModule } from '../../src/modules/notifications/notifications.module.js';
import { NotificationsStatsSource } from '../../src/modules/notifications/notifications.stats-source.js';
import { STATS_METRICS } from '../../src/modules/stats/stats-metrics.js';
import { ProcessMetricsSampler } from '../../src/modules/stats/process-metrics.sampler.js';
import { StatsRollupService } from '../../src/modules/stats/stats-rollup.service.js';
import { FAST_AUTH, login, registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { multipart } from '../support/multipart.js';
import { bootstrapAdmin } from '../support/users.js';

const CHROMIUM = '/usr/bin/chromium';
/** Set to a path (docs/images/admin.png) to save a screenshot of the page with data. */
const SCREENSHOT = process.env.ADMIN_SCREENSHOT;

/** Mounts what app.module.ts / notifications.module.ts do not list yet (the lead's lines). */
@Module({
  imports: [TypeOrmModule.forFeature([NotificationEntity])],
  providers: [NotificationsStatsSource],
})
class NotificationsStatsTestModule {}
const listed = (module: object, key: string, item: unknown) =>
  ((Reflect.getMetadata(key, module) as unknown[] | undefined) ?? []).includes(item);
const extraModules = [
  ...(listed(AppModule, 'imports', AdminUiModule) ? [] : [AdminUiModule]),
  ...(listed(NotificationsModule, 'providers', NotificationsStatsSource)
    ? []
    : [NotificationsStatsTestModule]),
];

/** In CI (REQUIRE_REDIS=1, scripts/install-chromium.sh ran) a missing browser is a failure. */
function browserOrSkip(ctx: { skip: (note: string) => void }): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.REQUIRE_REDIS === '1') {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);
  }
  ctx.skip(`${CHROMIUM} is not installed (scripts/install-chromium.sh)`);
}

describe('admin page (/admin)', () => {
  const admin = bootstrapAdmin('admin-ui');
  let t: TestApp;
  let db: DataSource;
  let base: string;
  let root: string;
  let browser: Browser | undefined;
  let adminToken: string;
  let member: RegisteredUser;
  /** Console errors (CSP violations included), page errors and failed requests of a page. */
  const problemsOf = new WeakMap<Page, string[]>();
  /**
   * A page's problems, less the browser's own network line for an answer the test expects
   * (Chromium logs "Failed to load resource" for every 4xx a fetch receives).
   */
  const problems = (page: Page, expected: Array<{ status: number; url: string }> = []) =>
    (problemsOf.get(page) ?? []).filter(
      (line) =>
        !expected.some(
          ({ status, url }) =>
            line.startsWith(
              `console: Failed to load resource: the server responded with a status of ${status} `,
            ) && line.endsWith(` at ${base}${url}`),
        ),
    );

  const rollUpFully = async () => {
    const rollup = t.app.get(StatsRollupService);
    for (let runs = 1; runs <= 20; runs++) {
      const result = await rollup.run();
      if (result.hour.to > result.hour.watermark && result.day.to > result.day.watermark) return;
    }
    throw new Error('the rollup did not catch up in 20 runs');
  };

  /** Registrations, sign-ins (good and bad), uploads and notifications, then the rollup. */
  const seedActivity = async () => {
    const users = [await registerUser(t), await registerUser(t), await registerUser(t)];
    await login(t, users[0].email, users[0].password);
    const failed = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: users[1].email, password: 'not the password of this user' },
    });
    expect(failed.statusCode).toBe(401);
    for (const [i, user] of users.entries()) {
      const body = multipart([
        {
          name: 'file',
          filename: `seed-${i}.txt`,
          contentType: 'text/plain',
          data: Buffer.alloc(1000 * (i + 1), 'a'),
        },
      ]);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/files',
        token: user.accessToken,
        ...body,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    for (const [inApp, email, realtime, read] of [
      [true, false, false, false],
      [true, true, false, true],
      [false, false, true, false],
    ]) {
      await db.query(
        `INSERT INTO notifications (id, user_id, type, level, title, body, in_app, email, realtime, emailed_at, read_at)
         VALUES ($1, $2, 'system_announcement', 'info', 'seed', 'seed', $3, $4, $5,
                 CASE WHEN $4 THEN now() END, CASE WHEN $6 THEN now() END)`,
        [randomUUID(), users[0].id, inApp, email, realtime, read],
      );
    }
    await t.app.get(AuditWriter).flush();
    await t.app.get(ProcessMetricsSampler).sample();
    await rollUpFully();
  };

  const openPage = async (): Promise<Page> => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    // Reported as console errors, which the listener below collects.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
    });
    const seen: string[] = [];
    problemsOf.set(page, seen);
    page.on('console', (message) => {
      if (message.type() === 'error') {
        seen.push(`console: ${message.text()} at ${message.location().url}`);
      }
    });
    page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) =>
      seen.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`),
    );
    const res = await page.goto(`${base}/admin`);
    expect(res?.status()).toBe(200);
    return page;
  };

  const signIn = async (page: Page, email: string, password: string) => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'admin-ui-e2e-'));
    t = await bootApp({
      env: { ...admin.env, ...FAST_AUTH, FILES_LOCAL_ROOT: root, ADMIN_UI_ENABLED: 'true' },
      extraModules,
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    adminToken = await admin.signIn(t);
    member = await registerUser(t);
    await seedActivity();
    if (existsSync(CHROMIUM)) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the page, its script, style and the chart library with the strict CSP and cache headers', async () => {
    const page = await t.rest({ url: '/admin' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
    expect(ADMIN_PAGE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(page.body).not.toMatch(/<style|\sstyle=/); // no inline style
    expect(page.body).not.toMatch(/https?:\/\//); // relative URLs only (TRUST_PROXY, no CDN)

    const urls = [...page.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      const res = await t.rest({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
      const vendor = url.startsWith('/admin/vendor/uplot-');
      expect(res.headers['cache-control'], url).toBe(
        vendor ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      expect(res.headers['content-type'], url).toMatch(
        url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
      );
      const again = await t.rest({ url, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode, url).toBe(304);
      expect(again.body).toBe('');
    }
    expect(urls.filter((url) => url.startsWith('/admin/vendor/uplot-'))).toHaveLength(2);
    expect((await t.rest({ url: '/admin/' })).body).toBe(page.body);
    const unknown = await t.rest({ url: '/admin/nothing.js' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
  });

  it('signs an admin in and draws every metric as a chart with data points, and the totals as cards', async (ctx) => {
    browserOrSkip(ctx);
    const page = await openPage();
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await signIn(page, admin.email, admin.password);

    const charts = page.locator('figure.chart[data-state="drawn"]');
    await charts.nth(STATS_METRICS.length - 1).waitFor({ timeout: 30_000 });
    expect(await charts.count()).toBe(STATS_METRICS.length);
    const drawn = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        metric: f.getAttribute('data-metric'),
        points: Number(f.getAttribute('data-points')),
        series: Number(f.getAttribute('data-series')),
        total: Number(f.getAttribute('data-total')),
        canvases: f.querySelectorAll('.uplot canvas').length,
      })),
    );
    expect(drawn.map((c) => c.metric)).toEqual(STATS_METRICS.map((m) => m.name));
    for (const chart of drawn) {
      const spec = STATS_METRICS.find((m) => m.name === chart.metric)!;
      expect(chart.canvases, chart.metric!).toBe(1);
      expect(chart.series, chart.metric!).toBe(spec.series.length);
      // Last 48 hours: 48 hourly buckets; the day-only metric draws today and yesterday.
      expect(chart.points, chart.metric!).toBe(spec.intervals.includes('hour') ? 48 : 2);
    }
    const seeded = ['users', 'sign_ins', 'uploads', 'storage', 'notifications', 'api_requests'];
    for (const name of seeded) {
      expect(drawn.find((c) => c.metric === name)!.total, name).toBeGreaterThan(0);
    }

    const totals = (await t.rest({ url: '/api/v1/stats?period=day', token: adminToken })).json();
    const card = (name: string) =>
      page.locator('dl.card', { has: page.getByText(name, { exact: true }) }).locator('dd');
    await expect(card('Users').textContent()).resolves.toBe(
      totals.users.total.toLocaleString('en'),
    );
    await expect(card('Registrations').textContent()).resolves.toBe(
      totals.registrations.toLocaleString('en'),
    );
    await expect(card('Uploads').textContent()).resolves.toBe(
      totals.files.uploads.toLocaleString('en'),
    );
    await expect(card('Failed sign-ins').textContent()).resolves.toBe(
      totals.signIns.failed.toLocaleString('en'),
    );
    expect(totals.files.uploads).toBeGreaterThanOrEqual(3);

    if (SCREENSHOT) {
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    // The token lives in a closure: nothing in storage or cookies, and sign-out forgets it.
    const stored = await page.evaluate(
      '({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })',
    );
    expect(stored).toEqual({ local: 0, session: 0, cookie: '' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(problems(page)).toEqual([]);
    await page.context().close();
  });

  it('tells a signed-in user without stats.read that the account cannot read statistics', async (ctx) => {
    browserOrSkip(ctx);
    const page = await openPage();
    await signIn(page, member.email, member.password);
    const message = page.locator('#forbidden-message');
    await message.waitFor();
    expect(await message.textContent()).toContain('Your account cannot read statistics');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(problems(page, [{ status: 403, url: '/api/v1/stats/metrics' }])).toEqual([]);
    await page.context().close();
  });

  it('shows the API message for a wrong password and stays on the sign-in form', async (ctx) => {
    browserOrSkip(ctx);
    const page = await openPage();
    await signIn(page, member.email, 'not the password of this member');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/invalid|incorrect|wrong/i);
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(problems(page, [{ status: 401, url: '/api/v1/auth/login' }])).toEqual([]);
    await page.context().close();
  });
});

describe('admin page switched off (ADMIN_UI_ENABLED=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { ADMIN_UI_ENABLED: 'false' }, extraModules });
  });
  afterAll(() => t?.close());

  it('answers /admin and its files with the 404 of any unknown route', async () => {
    const unknown = await t.rest({ url: '/no-such-page' });
    for (const url of ['/admin', '/admin/', '/admin/admin.js', '/admin/admin.css']) {
      const res = await t.rest({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
      expect(res.headers['content-type']).toBe(unknown.headers['content-type']);
    }
  });
});
