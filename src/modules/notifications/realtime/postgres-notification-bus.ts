import { Logger } from '@nestjs/common';
import { PgListener } from '../../../core/database/pg-listener.js';
import { type BusMessage, parseBusMessage, splitIdMessages } from './bus-message.js';
import { NotificationBus } from './notification-bus.js';
import type { NotificationBusRepository } from './notification-bus.repository.js';

export const NOTIFICATIONS_CHANNEL = 'notifications_realtime';

/** The NOTIFY payloads of `messages`: ids split so that none reaches 8 000 bytes. */
export function notifyPayloads(messages: BusMessage[]): string[] {
  return messages.flatMap((message) =>
    message.kind === 'ids' ? splitIdMessages(message.items) : [JSON.stringify(message)],
  );
}

/**
 * PostgreSQL LISTEN/NOTIFY: ids only, receivers load the rows. It listens on the process's
 * shared LISTEN connection (PgListener), which reconnects with backoff; what was published while
 * it was down is not delivered live (a client that reconnects gets it through Last-Event-ID).
 */
export class PostgresNotificationBus extends NotificationBus {
  private readonly logger = new Logger('NotificationBus');

  constructor(
    private readonly repository: NotificationBusRepository,
    private readonly listener: PgListener,
  ) {
    super();
  }

  async start(onMessage: (message: BusMessage) => void): Promise<void> {
    await this.listener.listen(NOTIFICATIONS_CHANNEL, {
      message: (payload) => {
        const message = parseBusMessage(payload);
        if (message) onMessage(message);
        else this.logger.warn('Ignored a malformed notification bus message');
      },
    });
  }

  async publish(messages: BusMessage[]): Promise<void> {
    const payloads = notifyPayloads(messages);
    if (payloads.length === 0) return;
    await this.repository.notify(NOTIFICATIONS_CHANNEL, payloads);
  }

  /** The shared connection is closed with the application. */
  async stop(): Promise<void> {}
}
