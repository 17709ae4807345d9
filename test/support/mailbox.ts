import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { expect } from 'vitest';
import { type BootOptions, bootApp, type TestApp } from './app.js';
import { eventually } from './eventually.js';
import { type SmtpServer, startSmtpServer } from './smtp.js';

/** A test app whose mail goes to its own SMTP server. */
export interface MailboxApp extends TestApp {
  smtp: SmtpServer;
}

/** Starts an SMTP server, boots the app with it as SMTP_URL; `close()` stops both. */
export async function bootAppWithMailbox(options: BootOptions = {}): Promise<MailboxApp> {
  const smtp = await startSmtpServer();
  let t: TestApp;
  try {
    t = await bootApp({ ...options, env: { ...options.env, SMTP_URL: smtp.url } });
  } catch (error) {
    await smtp.close();
    throw error;
  }
  return {
    ...t,
    smtp,
    close: async () => {
      await t.close();
      await smtp.close();
    },
  };
}

/** The app's BullMQ `mail` queue. */
export const mailQueue = (t: TestApp): Queue => t.app.get<Queue>(getQueueToken('mail'));

/**
 * Resolves once no mail job is left that could still deliver: every job queued so far has
 * completed (its message accepted by the SMTP server) or failed for good.
 */
export async function mailQueueDrained(t: TestApp): Promise<void> {
  const queue = mailQueue(t);
  await eventually(async () => {
    const counts = await queue.getJobCounts(
      'active',
      'waiting',
      'delayed',
      'prioritized',
      'waiting-children',
    );
    expect(counts).toEqual(Object.fromEntries(Object.keys(counts).map((state) => [state, 0])));
  });
}
