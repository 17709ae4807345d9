import { type Job, UnrecoverableError } from 'bullmq';
import { isUUID } from 'class-validator';
import { AppWorker, type JobSchedule, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { NotificationBroadcastsService } from './notification-broadcasts.service.js';
import { NotificationEmails } from './notification-emails.service.js';
import { NotificationRetention } from './notification-retention.service.js';
import {
  BROADCAST_JOB,
  type BroadcastPayload,
  EMAIL_JOB,
  type EmailPayload,
  NOTIFICATIONS_QUEUE,
  RETENTION_JOB,
  RETENTION_PATTERN,
  RETENTION_SCHEDULER_ID,
} from './notifications.jobs.js';

type Payload = Partial<EmailPayload & BroadcastPayload>;

const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** The `notifications` queue: mails (digests), broadcast fan-out, the daily retention sweep. */
@QueueWorker(NOTIFICATIONS_QUEUE)
export class NotificationsWorker extends AppWorker<Payload, object> {
  constructor(
    private readonly emails: NotificationEmails,
    private readonly broadcasts: NotificationBroadcastsService,
    private readonly retention: NotificationRetention,
  ) {
    super();
  }

  override schedules(): JobSchedule[] {
    return [{ id: RETENTION_SCHEDULER_ID, pattern: RETENTION_PATTERN, job: RETENTION_JOB }];
  }

  async handle(payload: Payload, job: Job<JobEnvelope<Payload>>): Promise<object> {
    const { userId, type, broadcastId } = payload;
    if (
      job.name === EMAIL_JOB &&
      isId(userId) &&
      typeof type === 'string' &&
      TYPE_NAME.test(type)
    ) {
      return this.emails.deliver({ userId, type });
    }
    if (job.name === BROADCAST_JOB && isId(broadcastId)) {
      return this.broadcasts.fanOut(broadcastId, (percent) => job.updateProgress(percent));
    }
    if (job.name === RETENTION_JOB) return this.retention.run();
    throw new UnrecoverableError(`Unknown notifications job ${job.name}`);
  }
}

const isId = (value: unknown): value is string => typeof value === 'string' && isUUID(value);
