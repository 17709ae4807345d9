import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { type BusMessage, parseBusMessage, splitIdMessages } from './bus-message.js';
import { NotificationBus } from './notification-bus.js';

export const NOTIFICATIONS_CHANNEL = 'notifications_realtime';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** The NOTIFY payloads of `messages`: ids split so that none reaches 8 000 bytes. */
export function notifyPayloads(messages: BusMessage[]): string[] {
  return messages.flatMap((message) =>
    message.kind === 'ids' ? splitIdMessages(message.items) : [JSON.stringify(message)],
  );
}

/**
 * PostgreSQL LISTEN/NOTIFY: ids only, receivers load the rows. A dedicated connection listens
 * and reconnects with backoff (what was published while it was down is not delivered live; a
 * client that reconnects gets it through Last-Event-ID).
 */
export class PostgresNotificationBus extends NotificationBus {
  private readonly logger = new Logger('NotificationBus');
  private listener?: pg.Client;
  private onMessage?: (message: BusMessage) => void;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly databaseUrl: string,
  ) {
    super();
  }

  async start(onMessage: (message: BusMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    await this.listen();
  }

  async publish(messages: BusMessage[]): Promise<void> {
    const payloads = notifyPayloads(messages);
    if (payloads.length === 0) return;
    await this.db.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      NOTIFICATIONS_CHANNEL,
      payloads,
    ]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'notifications-realtime',
    });
    client.on('notification', (msg) => {
      if (msg.channel !== NOTIFICATIONS_CHANNEL || !msg.payload) return;
      const message = parseBusMessage(msg.payload);
      if (message) this.onMessage?.(message);
      else this.logger.warn('Ignored a malformed notification bus message');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${NOTIFICATIONS_CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.listener !== client || this.stopped) return;
    this.listener = undefined;
    this.logger.warn({ err: error }, 'Notification listener disconnected; reconnecting');
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.listen().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Notification listener could not reconnect');
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.reconnectDelay).unref();
  }
}
