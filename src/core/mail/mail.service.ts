import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { mailConfig } from '../../config/mail.config.js';
import { AppException } from '../errors/app.exception.js';
import { JobsService } from '../queue/jobs.service.js';
import { isSaneEmail, MAIL_ATTEMPTS, MAIL_BACKOFF_JITTER, type MailJob } from './mail-job.js';
import type { MailTemplateName, MailTemplates } from './mail-templates.js';

/** Queues mail for the `mail` worker; never talks to SMTP itself. */
@Injectable()
export class MailService {
  constructor(
    private readonly jobs: JobsService,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
  ) {}

  /** Enqueues `template` for `to`; the job id can be followed with JobsService. */
  async send<K extends MailTemplateName>(
    to: string,
    template: K,
    vars: MailTemplates[K],
  ): Promise<{ jobId: string }> {
    if (!isSaneEmail(to)) {
      throw new AppException('VALIDATION_FAILED', 'Invalid recipient address', {
        errors: [{ field: 'to', message: 'to must be an email address' }],
      });
    }
    if ('link' in vars && !/^https?:\/\//.test(vars.link)) {
      throw new AppException('VALIDATION_FAILED', 'Mail links must be absolute http(s) URLs', {
        errors: [{ field: 'link', message: 'link must be an http(s) URL' }],
      });
    }
    const payload = { to, template, vars } as MailJob<K>;
    return this.jobs.enqueue('mail', template, payload, {
      attempts: MAIL_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.backoffMs, jitter: MAIL_BACKOFF_JITTER },
    });
  }

  /** An absolute link into the app (PUBLIC_URL, its path kept, + path + query), for `link`. */
  link(path: string, query: Record<string, string> = {}): string {
    const base = this.config.publicUrl.replace(/\/+$/, '');
    const url = new URL(`${base}/${path.replace(/^\/+/, '')}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.toString();
  }
}
