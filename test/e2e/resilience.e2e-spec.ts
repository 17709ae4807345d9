import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailService } from '../../src/core/mail/mail.service.js';
import { FAST_AUTH } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootstrapAdmin } from '../support/users.js';
import { type SmtpServer, startSmtpServer } from '../support/smtp.js';

/**
 * The SMTP server goes away: the breaker opens after RESILIENCE_BREAKER_FAILURES consecutive
 * failures (visible in /health/details and /metrics), mail jobs wait in the queue instead of
 * being lost, and once the server is back the breaker closes and every mail is delivered.
 */
describe('circuit breaker on an outgoing dependency (SMTP)', () => {
  let smtp: SmtpServer;
  let port: number;
  let t: TestApp;
  let adminToken: string;
  const admin = bootstrapAdmin('breaker-admin');

  beforeAll(async () => {
    smtp = await startSmtpServer();
    port = Number(new URL(smtp.url).port);
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        SMTP_URL: smtp.url,
        ...admin.env,
        MAIL_BACKOFF_MS: '400',
        RESILIENCE_BREAKER_FAILURES: '2',
        RESILIENCE_BREAKER_HALF_OPEN_MS: '300',
      },
    });
    adminToken = await admin.signIn(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const smtpState = async () => {
    const res = await t.rest({ url: '/health/details', token: adminToken });
    return (res.json() as { dependencies: Record<string, string> }).dependencies.smtp;
  };
  const gauge = async () => {
    const text = (await t.rest({ url: '/metrics' })).body;
    return /^circuit_breaker_state\{dependency="smtp"\} (\d+)$/m.exec(text)?.[1];
  };

  it('opens while SMTP is down, keeps the mails queued, and closes when it is back', async () => {
    expect(await smtpState()).toBe('closed');
    expect(await gauge()).toBe('0');
    await smtp.close();

    const mail = t.app.get(MailService);
    const recipients = [1, 2, 3].map((i) => `breaker-${i}-${Date.now()}@example.com`);
    for (const to of recipients) await mail.send(to, 'verify-email', { link: 'https://x.test/v' });

    await eventually(async () => expect(await smtpState()).toBe('open'));
    expect(await gauge()).toBe('2');
    const refused = /^dependency_rejections_total\{dependency="smtp",reason="open"\} (\d+)$/m;
    await eventually(async () =>
      expect(Number(refused.exec((await t.rest({ url: '/metrics' })).body)?.[1])).toBeGreaterThan(
        0,
      ),
    );

    smtp = await startSmtpServer(port);
    expect(smtp.url).toBe(`smtp://127.0.0.1:${port}`);
    for (const to of recipients) await smtp.waitFor((m) => m.to.includes(to), 20_000);
    await eventually(async () => expect(await smtpState()).toBe('closed'));
    expect(await gauge()).toBe('0');
  });
});
