import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { notificationsConfig } from '../../config/notifications.config.js';
import { MailService } from '../../core/mail/mail.service.js';
import {
  type NotificationMail,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { UsersService } from '../auth/users.service.js';
import type { NotificationEntity } from './notification.entity.js';
import { NotificationsRepository } from './notifications.repository.js';
import { EMAIL_JOB, type EmailPayload, NOTIFICATIONS_QUEUE } from './notifications.jobs.js';

const DIGEST_MAX_ITEMS = 50;

/**
 * The email channel. A new notification schedules one job per user, type and digest window
 * (its id names the window, so later notifications of the window add nothing); the job runs
 * when the window closes and mails every pending notification of that type at once, through
 * the mail queue (retries with backoff).
 */
@Injectable()
export class NotificationEmails {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly types: NotificationTypes,
    private readonly users: UsersService,
    private readonly mail: MailService,
    private readonly jobs: JobsService,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
    @InjectMetric('notifications_sent_total') private readonly sent: Counter<'type' | 'channel'>,
  ) {}

  async schedule(rows: Array<Pick<NotificationEntity, 'id' | 'userId' | 'type'>>): Promise<void> {
    const windowMs = this.config.emailDigestSeconds * 1000;
    const now = Date.now();
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${row.userId}_${row.type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Without a window every notification gets its job; the job still mails what is pending.
      const window = windowMs > 0 ? String(Math.floor(now / windowMs)) : row.id;
      const delay = windowMs > 0 ? windowMs - (now % windowMs) : 0;
      const payload: EmailPayload = { userId: row.userId, type: row.type };
      await this.jobs.enqueue(NOTIFICATIONS_QUEUE, EMAIL_JOB, payload, {
        jobId: `email_${key}_${window}`,
        delay,
        ownerId: row.userId,
      });
    }
  }

  /** The job: one mail for one pending notification, a digest for several, nothing for none. */
  async deliver({ userId, type }: EmailPayload): Promise<{ mailed: number }> {
    return this.notifications.claimPendingEmail(userId, type, async (rows) => {
      if (rows.length === 0) return { mailed: 0 };
      const contact = await this.users.contactOf(userId);
      if (!contact) return { mailed: 0 };
      const mail = this.mailFor(type, rows);
      await this.mail.send(contact.email, mail.template, mail.vars as never);
      this.sent.inc({ type, channel: 'email' }, rows.length);
      return { mailed: rows.length };
    });
  }

  private mailFor(typeName: string, rows: NotificationEntity[]): NotificationMail {
    if (rows.length === 1) {
      const [row] = rows;
      const single = {
        title: row.title,
        message: row.body,
        data: row.data,
        createdAt: row.createdAt,
      };
      const own = this.types.get(typeName)?.mail;
      return own
        ? own(single)
        : { template: 'notification', vars: { title: row.title, message: row.body } };
    }
    return {
      template: 'notification-digest',
      vars: {
        type: typeName,
        items: rows.slice(-DIGEST_MAX_ITEMS).map((row) => ({
          title: row.title,
          message: row.body,
          when: row.createdAt.toISOString(),
        })),
      },
    };
  }
}
