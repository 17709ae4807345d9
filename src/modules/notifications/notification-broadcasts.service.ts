import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { notificationsConfig } from '../../config/notifications.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { NotificationTypes } from '../../core/notifications/notification-types.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { UsersService } from '../auth/users.service.js';
import { BroadcastsRepository } from './broadcasts.repository.js';
import type { BroadcastAcceptedDto } from './dto/notification.dto.js';
import type { BroadcastNotificationInput } from './dto/notifications.inputs.js';
import { defaultsOf } from './notification-channels.js';
import { NotificationEmails } from './notification-emails.service.js';
import { NotificationStream } from './notification-stream.js';
import { BROADCAST_JOB, type BroadcastPayload, NOTIFICATIONS_QUEUE } from './notifications.jobs.js';
import { SYSTEM_ANNOUNCEMENT } from './system-notification-types.js';

export interface BroadcastResult {
  delivered: number;
}

/**
 * Admin broadcasts: accepted at once (202), fanned out by a job in keyset pages of users. Each
 * page is written with its position in one transaction, so a job retried after a crash resumes
 * where the last committed page ended and no user gets the broadcast twice.
 */
@Injectable()
export class NotificationBroadcastsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly broadcasts: BroadcastsRepository,
    private readonly users: UsersService,
    private readonly types: NotificationTypes,
    private readonly stream: NotificationStream,
    private readonly emails: NotificationEmails,
    private readonly jobs: JobsService,
    private readonly events: EventBus,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
    @InjectMetric('notifications_sent_total') private readonly sent: Counter<'type' | 'channel'>,
  ) {}

  async broadcast(
    actor: AuthUser,
    input: BroadcastNotificationInput,
  ): Promise<BroadcastAcceptedDto> {
    if (input.role !== undefined && !(await this.users.roleExists(input.role))) {
      throw new AppException('VALIDATION_FAILED', 'The request is not valid', {
        errors: [{ field: 'role', message: 'is not a role' }],
      });
    }
    const broadcast = await this.broadcasts.create({
      id: randomUUID(),
      createdBy: actor.id,
      title: input.title,
      body: input.message,
      role: input.role ?? null,
    });
    const payload: BroadcastPayload = { broadcastId: broadcast.id };
    const { jobId } = await this.jobs.enqueue(NOTIFICATIONS_QUEUE, BROADCAST_JOB, payload, {
      jobId: broadcast.id,
    });
    await this.broadcasts.setJob(broadcast.id, jobId);
    this.events.emit('notification.broadcast.queued', {
      broadcastId: broadcast.id,
      createdBy: actor.id,
      role: broadcast.role,
    });
    return { broadcastId: broadcast.id, jobId };
  }

  /**
   * The job: every remaining page of users, from the saved position on; `progress` hears the
   * percentage of users reached (of those there were when the job started).
   */
  async fanOut(
    broadcastId: string,
    progress: (percent: number) => Promise<void>,
  ): Promise<BroadcastResult> {
    const broadcast = await this.broadcasts.get(broadcastId);
    if (!broadcast) return { delivered: 0 };
    const role = broadcast.role ?? undefined;
    const total = await this.users.countLive(role);
    // Each user reached so far has exactly one row: what was delivered is how far it got.
    let reached = broadcast.delivered;
    const type = this.types.get(SYSTEM_ANNOUNCEMENT);
    if (!type) throw new Error(`The ${SYSTEM_ANNOUNCEMENT} type is not registered`);
    const defaults = defaultsOf(type);
    let { cursor, delivered } = broadcast;
    while (broadcast.status !== 'done') {
      const ids = await this.users.liveIdsAfter(
        cursor,
        this.config.broadcastBatch,
        broadcast.role ?? undefined,
      );
      if (ids.length === 0) break;
      const written = await this.broadcasts.writeBatch(
        broadcast,
        type.name,
        ids,
        defaults,
        type.critical ?? false,
      );
      cursor = ids[ids.length - 1];
      delivered += written.length;
      this.count(written);
      await this.stream.broadcastBatch(broadcast.id, ids[0], cursor);
      await this.emails.schedule(written.filter((row) => row.email));
      reached += ids.length;
      await progress(Math.min(100, Math.round((reached / Math.max(total, 1)) * 100)));
    }
    await this.broadcasts.setStatus(broadcast.id, 'done');
    this.logger.log({ broadcastId, delivered }, 'Broadcast delivered');
    return { delivered };
  }

  private count(rows: Array<{ inApp: boolean }>): void {
    const inApp = rows.filter((r) => r.inApp).length;
    if (inApp > 0) this.sent.inc({ type: SYSTEM_ANNOUNCEMENT, channel: 'in_app' }, inApp);
  }
}
