import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type BusMessage, parseBusMessage } from './bus-message.js';
import { NotificationBus } from './notification-bus.js';

/**
 * Redis pub/sub: one subscriber connection per instance (ioredis resubscribes after a
 * reconnect), one for publishing. Messages carry the notifications, so receivers query nothing
 * (a broadcast batch excepted: its rows are loaded for the local users).
 */
export class RedisNotificationBus extends NotificationBus {
  private readonly logger = new Logger('NotificationBus');
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(
    url: string,
    private readonly channel: string,
  ) {
    super();
    this.publisher = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 2000 });
    this.subscriber = new Redis(url, { connectTimeout: 2000 });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn({ err: error }, 'Redis bus error'));
    }
  }

  async start(onMessage: (message: BusMessage) => void): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel !== this.channel) return;
      const message = parseBusMessage(payload);
      if (message) onMessage(message);
      else this.logger.warn('Ignored a malformed notification bus message');
    });
    await this.subscriber.subscribe(this.channel);
  }

  async publish(messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const message of messages) pipeline.publish(this.channel, JSON.stringify(message));
    await pipeline.exec();
  }

  async stop(): Promise<void> {
    await Promise.all(
      [this.subscriber, this.publisher].map((client) =>
        client.quit().catch(() => client.disconnect()),
      ),
    );
  }
}
