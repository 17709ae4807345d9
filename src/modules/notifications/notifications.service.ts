import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import {
  type NotificationDraft,
  type NotificationType,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import { decodeCursor, encodeCursor, isTimestampKey } from '../../core/pagination/cursor.js';
import { DEFAULT_PAGE_LIMIT, type PageArgs } from '../../core/pagination/page.args.js';
import { toPage } from '../../core/pagination/page.js';
import {
  type NotificationDto,
  type NotificationPage,
  toNotificationDto,
} from './dto/notification.dto.js';
import type { NotificationFilter } from './dto/notifications.inputs.js';
import { channelsFor } from './notification-channels.js';
import { NotificationEmails } from './notification-emails.service.js';
import { NotificationPreferencesRepository } from './notification-preferences.repository.js';
import { NotificationStream } from './notification-stream.js';
import type { NotificationEntity } from './notification.entity.js';
import { type NewNotification, NotificationsRepository } from './notifications.repository.js';

const SORT = 'createdAt';

const notFound = (): AppException => new AppException('NOT_FOUND', 'Notification not found');

/** Stores notifications, answers a user's list, and hands new ones to email and real time. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly preferences: NotificationPreferencesRepository,
    private readonly types: NotificationTypes,
    private readonly stream: NotificationStream,
    private readonly emails: NotificationEmails,
    @InjectMetric('notifications_sent_total') private readonly sent: Counter<'type' | 'channel'>,
  ) {}

  /**
   * Stores one notification of a registered type on the channels the user's preferences allow
   * (a critical type always on its defaults), then, once committed, pushes it in real time
   * and schedules its mail. Null when the user already has one with the draft's dedupe key.
   */
  async notify(typeName: string, draft: NotificationDraft): Promise<NotificationDto | null> {
    const type = this.types.get(typeName);
    if (!type) throw new Error(`Unknown notification type '${typeName}'`);
    const choice = await this.preferences.getOf(draft.userId, type.name);
    const channels = channelsFor(type, choice);
    if (!channels.in_app && !channels.email && !channels.realtime) return null;
    const [row] = await this.notifications.insertMany([this.rowOf(type, draft, channels)]);
    if (!row) return null;
    await this.delivered([row]);
    return toNotificationDto(row);
  }

  /** After the rows committed: counted, pushed to open streams, mailed (as a digest per window). */
  async delivered(rows: NotificationEntity[]): Promise<void> {
    for (const row of rows) {
      if (row.inApp) this.sent.inc({ type: row.type, channel: 'in_app' });
    }
    await this.stream.published(rows.filter((r) => r.realtime));
    await this.emails.schedule(rows.filter((r) => r.email));
  }

  async list(
    actor: AuthUser,
    filter: NotificationFilter = {},
    page: PageArgs = {},
  ): Promise<NotificationPage> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor ? decodeCursor(page.cursor, SORT, isTimestampKey) : undefined;
    const [{ rows, total }, unreadCount] = await Promise.all([
      this.notifications.listForUser(actor.id, filter, limit, after),
      this.notifications.unreadCount(actor.id),
    ]);
    const result = toPage(rows, limit, total, toNotificationDto, (row) =>
      encodeCursor({ sort: SORT, key: row.sortKey, id: row.id }),
    );
    return { ...result, unreadCount };
  }

  unreadCount(actor: AuthUser): Promise<number> {
    return this.notifications.unreadCount(actor.id);
  }

  async markRead(actor: AuthUser, id: string): Promise<NotificationDto> {
    const row = await this.notifications.markRead(actor.id, id);
    if (!row) throw notFound();
    return toNotificationDto(row);
  }

  markAllRead(actor: AuthUser): Promise<number> {
    return this.notifications.markAllRead(actor.id);
  }

  async delete(actor: AuthUser, id: string): Promise<void> {
    if (!(await this.notifications.deleteForUser(actor.id, id))) throw notFound();
  }

  /** Account anonymised: the user's notifications and preferences go. */
  async deleteAllOf(userId: string): Promise<number> {
    await this.preferences.deleteAllOf(userId);
    return this.notifications.deleteAllOf(userId);
  }

  private rowOf(
    type: NotificationType,
    draft: NotificationDraft,
    channels: ReturnType<typeof channelsFor>,
  ): NewNotification {
    return {
      id: randomUUID(),
      userId: draft.userId,
      type: type.name,
      level: draft.level ?? 'info',
      title: draft.title.slice(0, 200),
      body: draft.body.slice(0, 2000),
      data: draft.data ?? {},
      entityType: draft.entity?.type ?? null,
      entityId: draft.entity?.id ?? null,
      dedupeKey: draft.dedupeKey ?? null,
      broadcastId: null,
      inApp: channels.in_app,
      email: channels.email,
      realtime: channels.realtime,
    };
  }
}
