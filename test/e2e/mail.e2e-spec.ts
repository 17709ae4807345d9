import type { Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppException } from '../../src/core/errors/app.exception.js';
import { requestContext } from '../../src/core/http/request-context.js';
import type { MailTemplateName, MailTemplates } from '../../src/core/mail/mail-templates.js';
import { MailService } from '../../src/core/mail/mail.service.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootAppWithMailbox, type MailboxApp, mailQueue } from '../support/mailbox.js';

const APP_NAME = 'Acmé & Co';
const HOSTILE = '<script>alert(1)</script>';
const link = (step: string): string =>
  `https://app.example.test/account/${step}?token=${randomUUID()}&step=1`;

const VARS: { [K in MailTemplateName]: MailTemplates[K] } = {
  'verify-email': { link: link('verify') },
  'reset-password': { link: link('reset') },
  'email-change-confirm': { link: link('change'), newEmail: `new${HOSTILE}@example.com` },
  'email-change-notice': { newEmail: `new${HOSTILE}@example.com` },
  'security-alert': {
    event: `Password changed ${HOSTILE}`,
    when: '2030-01-02 03:04 UTC',
    ip: '203.0.113.9',
    userAgent: HOSTILE,
  },
  'registration-existing': { link: link('login') },
  notification: { title: `Title ${HOSTILE}`, message: `Message ${HOSTILE}` },
  'notification-digest': {
    type: 'file_processed',
    items: [{ title: `One ${HOSTILE}`, message: HOSTILE, when: '2030-01-02 03:04 UTC' }],
  },
};
const TEMPLATES = Object.keys(VARS) as MailTemplateName[];

const recipient = (): string => `user-${randomUUID()}@example.com`;

async function settled(t: TestApp, jobId: string, state: 'completed' | 'failed'): Promise<Job> {
  const queue = mailQueue(t);
  await eventually(async () => expect(await queue.getJobState(jobId)).toBe(state));
  // Read after the state: a job seen finished then has its final attempts and result.
  return (await queue.getJob(jobId)) as Job;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mail over SMTP', () => {
  let t: MailboxApp;
  beforeAll(async () => {
    t = await bootAppWithMailbox({ env: { APP_NAME } });
  });
  afterAll(() => t?.close());

  it.each(TEMPLATES)('delivers %s with the app name, its link, and escaped HTML', async (name) => {
    const to = recipient();
    const vars = VARS[name];
    const { jobId } = await t.app.get(MailService).send(to, name, vars);
    const mail = await t.smtp.waitFor((m) => m.to.includes(to));

    expect(mail.to).toEqual([to]);
    expect(mail.from).toBe('no-reply@localhost');
    expect(mail.headers.to).toBe(to);
    expect(mail.subject).toContain(APP_NAME);
    expect(mail.text).toContain(APP_NAME);
    expect(mail.html).toContain('Acmé &amp; Co');
    if ('link' in vars) {
      expect(mail.text).toContain(vars.link);
      expect(mail.html).toContain(`href="${vars.link.replace('&', '&amp;')}"`);
    }
    expect(mail.html).not.toContain('<script>');
    if (JSON.stringify(vars).includes('<script>')) {
      expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(mail.text).toContain(HOSTILE);
    }
    const job = await settled(t, jobId, 'completed');
    expect(job.returnvalue).toMatchObject({ delivered: 'smtp' });
  });

  it('queues with 5 attempts, jittered exponential backoff from 2 s, and the request id', async () => {
    const context = { requestId: `req-${randomUUID()}`, userId: randomUUID(), queryCount: 0 };
    const { jobId } = await requestContext.run(context, () =>
      t.app.get(MailService).send(recipient(), 'reset-password', { link: link('reset') }),
    );
    const job = (await mailQueue(t).getJob(jobId)) as Job;
    expect(job.name).toBe('reset-password');
    expect(job.data.meta).toEqual({ requestId: context.requestId, userId: context.userId });
    expect(job.opts).toMatchObject({
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
    });
  });

  it('refuses a bad recipient or link with VALIDATION_FAILED and queues nothing', async () => {
    const total = async (): Promise<number> =>
      Object.values(await mailQueue(t).getJobCounts()).reduce((a, b) => a + b, 0);
    const before = await total();
    const mail = t.app.get(MailService);
    const bad = [
      '',
      'not-an-email',
      'a@b@example.com',
      'user @example.com',
      'user@example.com\r\nBcc: victim@example.com',
      `${'a'.repeat(250)}@example.com`,
    ];
    for (const to of bad) {
      const error = await mail.send(to, 'verify-email', { link: link('verify') }).catch((e) => e);
      expect(error).toBeInstanceOf(AppException);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const badLink = await mail
      .send(recipient(), 'verify-email', { link: 'javascript:alert(1)' })
      .catch((e) => e);
    expect(badLink).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await total()).toBe(before);
  });

  it('waitFor resolves on a mail that already arrived', async () => {
    const to = recipient();
    await t.app.get(MailService).send(to, 'verify-email', { link: link('verify') });
    await t.smtp.waitFor((m) => m.to.includes(to));
    const again = await t.smtp.waitFor((m) => m.to.includes(to), 1);
    expect(again.raw).toMatch(/^[\s\S]*Subject: /m);
  });
});

describe('mail without SMTP_URL (outside production)', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'mail-')), 'nested');
    t = await bootApp({
      env: { SMTP_URL: undefined, MAIL_DIR: dir, PUBLIC_URL: 'https://app.example.test/base/' },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('writes the mail as JSON under MAIL_DIR instead of sending it', async () => {
    const to = recipient();
    const vars = { link: link('reset') };
    const { jobId } = await t.app.get(MailService).send(to, 'reset-password', vars);
    const job = await settled(t, jobId, 'completed');
    expect(job.returnvalue).toMatchObject({ delivered: 'file' });

    const files = readdirSync(dir).filter((f) => f.endsWith(`-${jobId}.json`));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-/);
    const written = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(Object.keys(written).sort()).toEqual(['from', 'html', 'subject', 'text', 'to']);
    expect(written).toMatchObject({ to, from: 'no-reply@localhost' });
    expect(written.subject).toContain('nest-starter');
    expect(written.text).toContain(vars.link);
  });

  it('builds links from PUBLIC_URL, keeping its path', () => {
    expect(t.app.get(MailService).link('/verify-email', { token: 'a b&c' })).toBe(
      'https://app.example.test/base/verify-email?token=a+b%26c',
    );
  });
});

describe('mail when SMTP is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    const port = await closedPort();
    t = await bootApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_BACKOFF_MS: '10' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fails the job after 5 attempts, keeps the error, and counts it', async () => {
    const { jobId } = await t.app.get(MailService).send(recipient(), 'security-alert', {
      event: 'New sign-in',
      when: 'now',
    });
    const job = await settled(t, jobId, 'failed');
    expect(job.attemptsMade).toBe(5);
    expect(job.failedReason).toMatch(/ECONNREFUSED/);

    const metrics = await t.rest({ url: '/metrics' });
    expect(metrics.body).toMatch(
      /^emails_sent_total\{template="security-alert",outcome="failed"\} [1-9]/m,
    );
  });
});
