import { Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { type Job, UnrecoverableError } from 'bullmq';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Mail, SMTPSentMessageInfo } from 'nodemailer';
import { appConfig } from '../../config/app.config.js';
import { mailConfig } from '../../config/mail.config.js';
import { resilienceConfig } from '../../config/resilience.config.js';
import { emailsSentTotal } from '../observability/metrics.js';
import { AppWorker, QueueWorker } from '../queue/app-worker.js';
import type { JobEnvelope } from '../queue/job-envelope.js';
import { DependencyPolicies, type DependencyPolicy } from '../resilience/dependency-policies.js';
import type { MailJob } from './mail-job.js';
import { isMailTemplate, type RenderedMail, renderMail } from './mail-templates.js';

// Fail fast on a dead server; BullMQ's backoff does the waiting.
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

export type MailResult =
  { delivered: 'smtp'; messageId: string } | { delivered: 'file'; file: string };

/** Renders queued mail and hands it to SMTP, or, without SMTP_URL outside production, to files. */
@QueueWorker('mail')
export class MailWorker
  extends AppWorker<MailJob, MailResult>
  implements OnModuleInit, OnModuleDestroy
{
  /** Made by the first mail: nodemailer is not loaded at start-up (nor by an API-only process). */
  private transport?: Promise<Mail<SMTPSentMessageInfo>>;

  private readonly smtp: DependencyPolicy;

  constructor(
    @Inject(mailConfig.KEY) private readonly mail: ConfigType<typeof mailConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(resilienceConfig.KEY) resilience: ConfigType<typeof resilienceConfig>,
    policies: DependencyPolicies,
  ) {
    super();
    // No retries here: the mail queue's jobs retry with jittered backoff (MAIL_BACKOFF_MS).
    this.smtp = policies.for('smtp', {
      timeoutMs: resilience.smtpTimeoutMs,
      concurrency: resilience.smtpConcurrency,
      queue: 1_000,
    });
  }

  onModuleInit(): void {
    if (!this.mail.smtpUrl && this.app.isProduction && this.app.runsWorkers) {
      this.logger.error('SMTP_URL is not set: every mail job will fail');
    }
  }

  async onModuleDestroy(): Promise<void> {
    (await this.transport?.catch(() => undefined))?.close();
  }

  private transportOf(smtpUrl: string): Promise<Mail<SMTPSentMessageInfo>> {
    this.transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({ url: smtpUrl, pool: false, ...SMTP_TIMEOUTS }),
    );
    return this.transport;
  }

  async handle(payload: MailJob, job: Job<JobEnvelope<MailJob>>): Promise<MailResult> {
    const name: string = payload.template;
    if (!isMailTemplate(name)) {
      // A job from another version of the app: retrying cannot help.
      emailsSentTotal.inc({ template: 'unknown', outcome: 'failed' });
      throw new UnrecoverableError(`Unknown mail template "${name}"`);
    }
    const mail = renderMail(payload.template, payload.vars, this.mail.appName);
    try {
      const result = await this.deliver(payload.to, mail, String(job.id));
      emailsSentTotal.inc({ template: payload.template, outcome: 'sent' });
      return result;
    } catch (error) {
      // Only a mail given up for good counts as failed; retries show in queue_jobs_total.
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        emailsSentTotal.inc({ template: payload.template, outcome: 'failed' });
      }
      throw error;
    }
  }

  private async deliver(to: string, mail: RenderedMail, jobId: string): Promise<MailResult> {
    const message = { to, from: this.mail.from, ...mail };
    if (this.mail.smtpUrl) {
      const transport = await this.transportOf(this.mail.smtpUrl);
      // While the breaker is open the job fails at once and BullMQ retries it later.
      const info = await this.smtp.execute(() =>
        transport.sendMail({ ...message, headers: { 'Auto-Submitted': 'auto-generated' } }),
      );
      this.logger.log({ to, subject: mail.subject, messageId: info.messageId }, 'Mail sent');
      return { delivered: 'smtp', messageId: info.messageId };
    }
    if (this.app.isProduction) {
      throw new Error('SMTP_URL is not set: mail cannot be sent in production');
    }
    const dir = resolve(this.mail.dir);
    await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${stamp}-${jobId}.json`);
    await writeFile(file, `${JSON.stringify(message, null, 2)}\n`, { mode: 0o600 });
    this.logger.log({ to, subject: mail.subject, file }, 'Mail written to file (no SMTP_URL)');
    this.logger.debug({ text: mail.text }, 'Mail body');
    return { delivered: 'file', file };
  }
}
