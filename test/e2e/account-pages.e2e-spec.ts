import { getDataSourceToken } from '@nestjs/typeorm';
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { AccountPagesModule } from '../../src/modules/account-pages/account-pages.module.js';
import { ACCOUNT_PAGES_CSP } from '../../src/modules/account-pages/account-pages.headers.js';
import { FAST_AUTH, login, STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';
import { freePort } from '../support/child-process.js';
import { bootAppWithMailbox, type MailboxApp } from '../support/mailbox.js';
import type { ReceivedMail } from '../support/smtp.js';

const PUBLIC_URL = 'https://app.example.test';
/** Until app.module.ts lists the module (the lead's line). */
const listed = (
  (Reflect.getMetadata('imports', AppModule) as unknown[] | undefined) ?? []
).includes(AccountPagesModule);
const extraModules = listed ? [] : [AccountPagesModule];

const PAGES = ['verify-email', 'reset-password', 'confirm-email-change', 'sign-in'];

function expectPageHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toBe(ACCOUNT_PAGES_CSP);
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
}

/** The one link of a mail, as an app-relative URL (path and query). */
function linkIn(mail: ReceivedMail): string {
  const match = /https:\/\/app\.example\.test(\/[^\s"<>]*)/.exec(mail.text);
  expect(match, mail.text).not.toBeNull();
  return match![1]!;
}

describe('account pages behind the mailed links', () => {
  let t: MailboxApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await bootAppWithMailbox({
      env: { ...FAST_AUTH, AUTH_REQUIRE_VERIFIED_EMAIL: 'true', PUBLIC_URL },
      extraModules,
    });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const mailTo = (to: string, match: (mail: ReceivedMail) => boolean) =>
    t.smtp.waitFor((m) => m.to.includes(to) && match(m));

  /** Follows the mail's link as a browser would (redirect included) down to the page. */
  async function openLink(link: string): Promise<string> {
    const first = await get(link);
    expect(first.statusCode, first.body).toBe(302);
    expectPageHeaders(first.headers);
    const location = String(first.headers.location);
    const page = await get(location);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectPageHeaders(page.headers);
    return location;
  }

  it('serves each page, its script and its style with the strict headers, nothing inline', async () => {
    for (const slug of PAGES) {
      const res = await get(`/account/${slug}?token=abc`);
      expect(res.statusCode).toBe(200);
      expectPageHeaders(res.headers);
      expect(res.body).toContain(`data-page="${slug}"`);
      expect(res.body).toContain('<script src="/account/account-pages.js" defer></script>');
      expect(res.body).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="|https?:\/\//);
    }
    const script = await get('/account/account-pages.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('history.replaceState');
    expectPageHeaders(script.headers);
    const style = await get('/account/account-pages.css');
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/account/nope')).statusCode).toBe(404);
  });

  it('the script drops the token from the address bar before its first API call', async () => {
    const script = (await get('/account/account-pages.js')).body;
    const takeToken = script.slice(script.indexOf('function takeToken'));
    expect(takeToken.indexOf('replaceState')).toBeLessThan(takeToken.indexOf('fetch('));
    expect(script).toContain('page(takeToken())');
    for (const path of [
      '/auth/verify-email',
      '/auth/password/reset',
      '/auth/login',
      '/users/me/email/confirm',
      '/auth/password/forgot',
    ]) {
      expect(script).toContain(`'${path}'`);
    }
  });

  it('every link of the real mails leads to a page that answers 200', async () => {
    const email = uniqueEmail('pages');
    const register = () =>
      t.rest({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: STRONG_PASSWORD },
      });
    expect((await register()).statusCode).toBe(201);

    const verifyLink = linkIn(await mailTo(email, (m) => m.text.includes('/verify-email?')));
    expect(await openLink(verifyLink)).toMatch(/^\/account\/verify-email\?token=[\w-]{43}$/);
    // The page's own call, with the token it read from its URL.
    const token = new URL(verifyLink, PUBLIC_URL).searchParams.get('token');
    const verified = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token },
    });
    expect(verified.statusCode).toBe(204);

    expect((await register()).statusCode).toBe(201);
    const existing = linkIn(await mailTo(email, (m) => /tried to register/.test(m.subject)));
    expect(await openLink(existing)).toBe('/account/sign-in');

    const forgot = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email },
    });
    expect(forgot.statusCode).toBe(202);
    const resetLink = linkIn(await mailTo(email, (m) => m.text.includes('/reset-password?')));
    expect(await openLink(resetLink)).toMatch(/^\/account\/reset-password\?token=/);

    const { accessToken } = await login(t, email, STRONG_PASSWORD);
    const newEmail = uniqueEmail('pages-new');
    const change = await t.rest({
      method: 'POST',
      url: '/api/v1/users/me/email',
      token: accessToken,
      payload: { newEmail, password: STRONG_PASSWORD },
    });
    expect(change.statusCode, change.body).toBe(202);
    const confirmLink = linkIn(
      await mailTo(newEmail, (m) => m.text.includes('/confirm-email-change?')),
    );
    expect(await openLink(confirmLink)).toMatch(/^\/account\/confirm-email-change\?token=/);
    // Opening the pages changed nothing: the reset and change tokens are still unused.
    const unused = await db.query(
      "SELECT purpose FROM user_tokens WHERE used_at IS NULL AND purpose IN ('reset_password', 'change_email') ORDER BY purpose",
    );
    expect(unused.map((r: { purpose: string }) => r.purpose)).toEqual(
      expect.arrayContaining(['change_email', 'reset_password']),
    );
  });
});

describe('account pages with APP_FRONTEND_URL', () => {
  let t: MailboxApp;
  beforeAll(async () => {
    t = await bootAppWithMailbox({
      env: { ...FAST_AUTH, PUBLIC_URL, APP_FRONTEND_URL: 'https://front.example.test/app/' },
      extraModules,
    });
  });
  afterAll(() => t?.close());

  it('sends the mailed paths on to the front-end with the same path and query', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/reset-password?token=abc_DEF-1' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(
      'https://front.example.test/app/reset-password?token=abc_DEF-1',
    );
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const signIn = await t.app.inject({ method: 'GET', url: '/login' });
    expect(signIn.headers.location).toBe('https://front.example.test/app/login');
  });
});

const CHROMIUM = '/usr/bin/chromium';
const NEW_PASSWORD = 'a brand new lengthy passphrase';

/** In CI (REQUIRE_REDIS=1, scripts/install-chromium.sh ran) a missing browser is a failure. */
function browserOrSkip(ctx: { skip: (note: string) => void }): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.REQUIRE_REDIS === '1') {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);
  }
  ctx.skip(`${CHROMIUM} is not installed (scripts/install-chromium.sh)`);
}

describe('account pages in a browser', () => {
  let t: MailboxApp;
  let db: DataSource;
  let base: string;
  let browser: Browser | undefined;
  const problemsOf = new WeakMap<Page, string[]>();

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await bootAppWithMailbox({
      env: { ...FAST_AUTH, AUTH_REQUIRE_VERIFIED_EMAIL: 'true', PUBLIC_URL: base },
      extraModules,
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    await t.app.listen({ port, host: '127.0.0.1' });
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
  });

  /** Opens a mailed link; collects console errors (CSP violations included) and page errors. */
  async function open(link: string): Promise<Page> {
    if (!browser) throw new Error('no browser');
    const page = await (await browser.newContext()).newPage();
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
    });
    const seen: string[] = [];
    problemsOf.set(page, seen);
    page.on('console', (m) => {
      if (m.type() === 'error') seen.push(`console: ${m.text()} at ${m.location().url}`);
    });
    page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
    const res = await page.goto(link);
    expect(res?.status()).toBe(200);
    return page;
  }
  /** Problems, less Chromium's line for each 4xx the page's fetch was expected to receive. */
  const problems = (page: Page, expected4xx = 0) => {
    const seen = problemsOf.get(page) ?? [];
    const failed = seen.filter((l) => l.includes('Failed to load resource'));
    expect(failed, failed.join('\n')).toHaveLength(expected4xx);
    return seen.filter((l) => !l.includes('Failed to load resource'));
  };
  const status = (page: Page) => page.locator('#status');
  const mailLink = async (to: string, path: string) => {
    const mail = await t.smtp.waitFor((m) => m.to.includes(to) && m.text.includes(`${path}?`));
    const match = new RegExp(`${base.replace(/[.:/]/g, '\\$&')}${path}\\?token=[\\w-]+`).exec(
      mail.text,
    );
    expect(match, mail.text).not.toBeNull();
    return match![0];
  };
  const register = async (email: string) => {
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: STRONG_PASSWORD },
    });
    expect(res.statusCode).toBe(201);
  };
  const userRow = async (email: string) =>
    (
      await db.query('SELECT email, email_verified_at, password_hash FROM users WHERE email = $1', [
        email,
      ])
    )[0] as { email: string; email_verified_at: Date | null; password_hash: string } | undefined;

  it('verify-email: verifies the address and drops the token from the address bar', async (ctx) => {
    browserOrSkip(ctx);
    const email = uniqueEmail('browser-verify');
    await register(email);
    const page = await open(await mailLink(email, '/verify-email'));
    await expect
      .poll(() => status(page).textContent())
      .toBe('Your email address is verified. You can sign in now.');
    expect(new URL(page.url()).pathname).toBe('/account/verify-email');
    expect(new URL(page.url()).search).toBe('');
    expect((await userRow(email))?.email_verified_at).not.toBeNull();
    expect(problems(page)).toEqual([]);

    // The same link again: the token is spent, the page says so and nothing changes.
    const again = await open(await mailLink(email, '/verify-email'));
    await expect.poll(() => status(again).getAttribute('class')).toBe('error');
    expect(await status(again).textContent()).toMatch(/invalid|expired|used/i);
    expect(problems(again, 1)).toEqual([]);
  });

  it('reset-password: refuses two different passwords, then sets the new one', async (ctx) => {
    browserOrSkip(ctx);
    const email = uniqueEmail('browser-reset');
    await register(email);
    await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    const forgot = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email },
    });
    expect(forgot.statusCode).toBe(202);
    const page = await open(await mailLink(email, '/reset-password'));
    expect(new URL(page.url()).search).toBe('');
    const form = page.locator('#reset-password');
    const before = (await userRow(email))!.password_hash;

    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel('New password again').fill(`${NEW_PASSWORD}!`);
    await form.getByRole('button').click();
    await expect.poll(() => status(page).textContent()).toBe('The two passwords differ.');
    expect((await userRow(email))!.password_hash).toBe(before);

    await form.getByLabel('New password again').fill(NEW_PASSWORD);
    await form.getByRole('button').click();
    await expect.poll(() => status(page).textContent()).toMatch(/^Your password is changed/);
    expect((await userRow(email))!.password_hash).not.toBe(before);
    await login(t, email, NEW_PASSWORD);
    expect(problems(page)).toEqual([]);
  });

  it('confirm-email-change: signs in as the account and confirms the new address', async (ctx) => {
    browserOrSkip(ctx);
    const email = uniqueEmail('browser-change');
    await register(email);
    await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    const { accessToken } = await login(t, email, STRONG_PASSWORD);
    const newEmail = uniqueEmail('browser-changed');
    const change = await t.rest({
      method: 'POST',
      url: '/api/v1/users/me/email',
      token: accessToken,
      payload: { newEmail, password: STRONG_PASSWORD },
    });
    expect(change.statusCode).toBe(202);
    const page = await open(await mailLink(newEmail, '/confirm-email-change'));
    expect(new URL(page.url()).search).toBe('');
    const form = page.locator('#sign-in');

    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill('not the password of this account');
    await form.getByRole('button').click();
    await expect.poll(() => status(page).getAttribute('class')).toBe('error');
    expect((await userRow(email))?.email).toBe(email);

    await form.getByLabel('Password').fill(STRONG_PASSWORD);
    await form.getByRole('button').click();
    await expect
      .poll(() => status(page).textContent())
      .toBe('Your new email address is confirmed.');
    expect(await userRow(email)).toBeUndefined();
    expect((await userRow(newEmail))?.email).toBe(newEmail);
    expect(problems(page, 1)).toEqual([]);
  });
});
