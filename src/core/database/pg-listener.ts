import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_URL } from './database-url.provider.js';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** What one channel's owner hears. */
export interface ChannelSubscriber {
  /** A NOTIFY payload on the channel. */
  message(payload: string): void;
  /**
   * Listening (again): what was NOTIFYed while the connection was down was missed, so an owner
   * that needs it reloads here. Awaited before `listen` resolves the first time.
   */
  connected?(): Promise<void> | void;
  disconnected?(): void;
}

/**
 * The process's one LISTEN connection (PostgreSQL LISTEN/NOTIFY), shared by every channel
 * (token revocations, the notifications bus): one connection per process, not one per feature.
 * It reconnects with backoff and tells each channel's owner when it is listening again.
 */
@Injectable()
export class PgListener implements OnApplicationShutdown {
  private readonly logger = new Logger('PgListener');
  private readonly channels = new Map<string, ChannelSubscriber>();
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(DATABASE_URL) private readonly databaseUrl: string) {}

  /** Starts listening on `channel`; resolves once it is (and the owner's `connected` ran). */
  async listen(channel: string, subscriber: ChannelSubscriber): Promise<void> {
    if (!CHANNEL.test(channel)) throw new Error(`Invalid channel name ${channel}`);
    if (this.channels.has(channel)) throw new Error(`Channel ${channel} has a listener`);
    this.channels.set(channel, subscriber);
    if (this.client) {
      await this.client.query(`LISTEN ${channel}`);
      await subscriber.connected?.();
      return;
    }
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'pg-listener',
    });
    client.on('notification', (msg) => {
      if (msg.payload === undefined) return;
      this.channels.get(msg.channel)?.message(msg.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
    try {
      // Listening first, then each owner catches up: nothing committed in between is missed.
      for (const subscriber of this.channels.values()) await subscriber.connected?.();
    } catch (error) {
      // An owner that could not catch up would miss what it skipped: connect again later.
      this.client = undefined;
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.logger.warn({ err: error }, 'The LISTEN connection dropped; reconnecting');
    for (const subscriber of this.channels.values()) subscriber.disconnected?.();
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'The LISTEN connection could not reconnect');
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.reconnectDelay).unref();
  }
}
