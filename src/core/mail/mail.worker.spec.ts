import type { ConfigType } from '@nestjs/config';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { appConfig } from '../../config/app.config.js';
import type { mailConfig } from '../../config/mail.config.js';
import type { resilienceConfig } from '../../config/resilience.config.js';
import type { JobEnvelope } from '../queue/job-envelope.js';
import { DependencyPolicies } from '../resilience/dependency-policies.js';
import type { MailJob } from './mail-job.js';
import { MailWorker } from './mail.worker.js';

const mail = {
  from: 'no-reply@localhost',
  dir: '/nonexistent/mail',
  appName: 'App',
  backoffMs: 2000,
  publicUrl: 'http://localhost:3000',
} as ConfigType<typeof mailConfig>;
const job = { id: 'j1', attemptsMade: 0, opts: { attempts: 5 } } as Job<JobEnvelope<MailJob>>;
const payload: MailJob = { to: 'a@b.co', template: 'verify-email', vars: { link: 'https://x' } };

const resilience = {
  breakerFailures: 5,
  breakerHalfOpenMs: 60_000,
  retryInitialDelayMs: 2_000,
  retryMaxDelayMs: 32_000,
  smtpTimeoutMs: 15_000,
  smtpConcurrency: 5,
} as ConfigType<typeof resilienceConfig>;

const worker = (isProduction: boolean): MailWorker =>
  new MailWorker(
    mail,
    { isProduction, runsWorkers: true } as ConfigType<typeof appConfig>,
    resilience,
    new DependencyPolicies(resilience),
  );

describe('MailWorker', () => {
  it('fails the job in production when SMTP_URL is not set', async () => {
    await expect(worker(true).handle(payload, job)).rejects.toThrow(
      'SMTP_URL is not set: mail cannot be sent in production',
    );
  });

  it('gives up at once on a template it does not know', async () => {
    const unknown = { ...payload, template: 'nope' } as unknown as MailJob;
    await expect(worker(false).handle(unknown, job)).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: 'Unknown mail template "nope"',
    });
  });
});
