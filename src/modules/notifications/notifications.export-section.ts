import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ExportSection, ExportSections } from '../../core/exports/export-section.js';
import type { NotificationEntity } from './notification.entity.js';
import { NotificationPreferencesRepository } from './notification-preferences.repository.js';
import { NotificationsRepository } from './notifications.repository.js';

const BATCH = 500;

const ARCHIVED_FIELDS = [
  'id',
  'type',
  'level',
  'title',
  'body',
  'data',
  'entityType',
  'entityId',
  'inApp',
  'email',
  'realtime',
  'emailedAt',
  'readAt',
  'createdAt',
] as const satisfies ReadonlyArray<keyof NotificationEntity>;

export type ArchivedNotification = Pick<NotificationEntity, (typeof ARCHIVED_FIELDS)[number]>;

/** Every notification of the user (all channels), newest first, in their GDPR archive. */
@Injectable()
export class NotificationsExportSection implements ExportSection, OnModuleInit {
  readonly name = 'notifications';

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<ArchivedNotification> {
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const rows = await this.notifications.exportBatch(userId, BATCH, after);
      for (const row of rows) yield archived(row);
      if (rows.length < BATCH) return;
      const last = rows[rows.length - 1];
      after = { createdAt: last.sortKey, id: last.id };
    }
  }
}

/** The user's channel choices per type, in their GDPR archive. */
@Injectable()
export class NotificationPreferencesExportSection implements ExportSection, OnModuleInit {
  readonly name = 'notification_preferences';

  constructor(
    private readonly preferences: NotificationPreferencesRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<object> {
    for (const { type, inApp, email, realtime, updatedAt } of await this.preferences.listOf(
      userId,
    )) {
      yield { type, inApp, email, realtime, updatedAt };
    }
  }
}

const archived = (row: NotificationEntity): ArchivedNotification =>
  Object.fromEntries(ARCHIVED_FIELDS.map((field) => [field, row[field]])) as ArchivedNotification;
