import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { DomainEvent } from '../../core/events/domain-events.js';
import {
  type NotificationDraft,
  type NotificationType,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import { NotificationsService } from './notifications.service.js';

/**
 * Turns domain events into notifications: each registered type names the events that produce
 * it, so a module adds a type without touching this module. Failures are logged and never reach
 * the request that emitted the event.
 */
@Injectable()
export class NotificationsListener implements OnApplicationBootstrap {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly types: NotificationTypes,
    private readonly emitter: EventEmitter2,
    private readonly notifications: NotificationsService,
  ) {}

  onApplicationBootstrap(): void {
    for (const { event, type, produce } of this.types.producers()) {
      this.emitter.on(event, (payload: unknown) => this.produce(type, produce, payload as never));
    }
  }

  @OnEvent('user.anonymised')
  async onUserAnonymised(event: DomainEvent<'user.anonymised'>): Promise<void> {
    try {
      await this.notifications.deleteAllOf(event.userId);
    } catch (err) {
      this.logger.error(
        { err, userId: event.userId },
        "Could not delete an account's notifications",
      );
    }
  }

  private async produce(
    type: NotificationType,
    produce: (event: never) => NotificationDraft | null | Promise<NotificationDraft | null>,
    event: never,
  ): Promise<void> {
    try {
      const draft = await produce(event);
      if (draft) await this.notifications.notify(type.name, draft);
    } catch (err) {
      this.logger.error({ err, type: type.name }, 'Could not create a notification');
    }
  }
}
