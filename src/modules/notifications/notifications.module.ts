import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationTypes } from '../../core/notifications/notification-types.js';
import { AuthModule } from '../auth/auth.module.js';
import { BroadcastsRepository } from './broadcasts.repository.js';
import { NotificationBroadcastEntity } from './notification-broadcast.entity.js';
import { NotificationBroadcastsService } from './notification-broadcasts.service.js';
import { NotificationEmails } from './notification-emails.service.js';
import { NotificationPreferenceEntity } from './notification-preference.entity.js';
import { NotificationPreferencesRepository } from './notification-preferences.repository.js';
import { NotificationPreferencesService } from './notification-preferences.service.js';
import { NotificationRetention } from './notification-retention.service.js';
import { NotificationEntity } from './notification.entity.js';
import {
  NotificationPreferencesExportSection,
  NotificationsExportSection,
} from './notifications.export-section.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsListener } from './notifications.listener.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsResolver } from './notifications.resolver.js';
import { NotificationsService } from './notifications.service.js';
import { NotificationsStatsSource } from './notifications.stats-source.js';
import { NotificationsWorker } from './notifications.worker.js';
import { NotificationsRealtimeModule } from './realtime/realtime.module.js';
import { systemAnnouncement } from './system-notification-types.js';

/**
 * In-app notifications with per-type channel preferences, mailed (digests per window) and
 * pushed in real time on every instance. Other modules declare their types in the
 * NotificationTypes registry; this module turns their domain events into notifications.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      NotificationEntity,
      NotificationPreferenceEntity,
      NotificationBroadcastEntity,
    ]),
    AuthModule,
    NotificationsRealtimeModule,
  ],
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationPreferencesRepository,
    BroadcastsRepository,
    NotificationsService,
    NotificationPreferencesService,
    NotificationBroadcastsService,
    NotificationEmails,
    NotificationRetention,
    NotificationsResolver,
    NotificationsListener,
    NotificationsWorker,
    NotificationsExportSection,
    NotificationPreferencesExportSection,
    NotificationsStatsSource,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule implements OnModuleInit {
  constructor(private readonly types: NotificationTypes) {}

  onModuleInit(): void {
    this.types.register(systemAnnouncement);
  }
}
