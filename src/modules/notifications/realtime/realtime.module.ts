import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { notificationsConfig } from '../../../config/notifications.config.js';
import { queueConfig } from '../../../config/queue.config.js';
import { PgListener } from '../../../core/database/pg-listener.js';
import { NotificationEntity } from '../notification.entity.js';
import { NotificationStream } from '../notification-stream.js';
import { NotificationsRepository } from '../notifications.repository.js';
import { NotificationStreamController } from './notification-stream.controller.js';
import { NotificationStreamResolver } from './notification-stream.resolver.js';
import { NotificationBus } from './notification-bus.js';
import { NotificationBusRepository } from './notification-bus.repository.js';
import { PostgresNotificationBus } from './postgres-notification-bus.js';
import { RealtimeHub } from './realtime-hub.js';
import { realtimeMetrics, sentTotal } from './realtime-metrics.js';
import { RealtimeStream } from './realtime-stream.js';
import { RedisNotificationBus } from './redis-notification-bus.js';
import { SseStreamsService } from './sse-streams.service.js';
import { StreamAuthenticator } from './stream-authenticator.js';
import { StreamTicketsRepository } from './stream-tickets.repository.js';
import { StreamTicketsService } from './stream-tickets.service.js';

const busProvider = {
  provide: NotificationBus,
  inject: [notificationsConfig.KEY, queueConfig.KEY, NotificationBusRepository, PgListener],
  useFactory: (
    config: ConfigType<typeof notificationsConfig>,
    queue: ConfigType<typeof queueConfig>,
    repository: NotificationBusRepository,
    listener: PgListener,
  ): NotificationBus =>
    config.bus === 'redis' && config.redisUrl
      ? new RedisNotificationBus(config.redisUrl, `${queue.prefix}:notifications:realtime`)
      : new PostgresNotificationBus(repository, listener),
};

/** SSE, the notificationAdded subscription, and the cross-instance bus behind both. */
@Module({
  // Its own repository instance: the notifications module imports this one, not the reverse.
  imports: [TypeOrmModule.forFeature([NotificationEntity])],
  controllers: [NotificationStreamController],
  providers: [
    ...realtimeMetrics,
    NotificationBusRepository,
    busProvider,
    NotificationsRepository,
    RealtimeHub,
    { provide: NotificationStream, useClass: RealtimeStream },
    StreamTicketsRepository,
    StreamTicketsService,
    StreamAuthenticator,
    SseStreamsService,
    NotificationStreamResolver,
  ],
  exports: [NotificationStream, sentTotal],
})
export class NotificationsRealtimeModule {}
