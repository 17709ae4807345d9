import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { notificationsConfig } from '../../../config/notifications.config.js';
import { AccessRevocationsService } from '../../../core/auth/access-revocations.service.js';
import { type NotificationDto, toNotificationDto } from '../dto/notification.dto.js';
import type { NotificationEntity } from '../notification.entity.js';
import { NotificationsRepository } from '../notifications.repository.js';
import type { BusMessage, CarriedNotification } from './bus-message.js';
import { NotificationBus } from './notification-bus.js';
import {
  CONNECTIONS,
  DELIVERY_SECONDS,
  type DropReason,
  DROPPED_TOTAL,
  SENT_TOTAL,
} from './realtime-metrics.js';
import type { StreamClient, StreamEvent } from './stream-client.js';
import { StreamRegistry } from './stream-registry.js';

/** Room for the transport's framing (SSE `id:`/`event:` lines, the graphql-ws envelope). */
export const ENVELOPE_BYTES = 256;
const SWEEP_EVERY_MS = 1000;

export function eventOf(userId: string, notification: NotificationDto): StreamEvent {
  const json = JSON.stringify(notification);
  return { userId, notification, json, bytes: Buffer.byteLength(json, 'utf8') };
}

/** A DTO that crossed the bus as JSON: its dates back to Date. */
function revived({ userId, notification }: CarriedNotification): StreamEvent {
  return eventOf(userId, {
    ...notification,
    createdAt: new Date(notification.createdAt),
    readAt: notification.readAt ? new Date(notification.readAt) : null,
  });
}

/**
 * The streams of this instance and the bus between instances: publishes committed
 * notifications, receives them (its own too), loads what the bus names only by id, writes each
 * to the streams of its user that want it, and keeps streams honest (heartbeat, idle close,
 * revoked sessions closed, everything closed with a retry hint at shutdown).
 */
@Injectable()
export class RealtimeHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('NotificationStream');
  private readonly registry: StreamRegistry;
  private sweepTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
    private readonly bus: NotificationBus,
    private readonly notifications: NotificationsRepository,
    private readonly revocations: AccessRevocationsService,
    @InjectMetric(SENT_TOTAL) private readonly sent: Counter<'type' | 'channel'>,
    @InjectMetric(CONNECTIONS) private readonly connections: Gauge<'transport'>,
    @InjectMetric(DELIVERY_SECONDS) private readonly latency: Histogram,
    @InjectMetric(DROPPED_TOTAL) private readonly dropped: Counter<'reason'>,
  ) {
    this.registry = new StreamRegistry(config.stream);
  }

  async onModuleInit(): Promise<void> {
    await this.bus.start((message) => void this.receive(message));
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
  }

  /** Before the HTTP server closes: it would otherwise wait for every open stream. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    clearInterval(this.sweepTimer);
    for (const client of this.registry.all()) client.close('shutdown');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.stop();
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  /** Counts a new stream in; false (counted as dropped) over the user's or the IP's limit. */
  admit(client: StreamClient): boolean {
    if (this.closing || this.registry.admit(client) !== 'admitted') {
      this.drop('over_limit');
      return false;
    }
    this.connections.inc({ transport: client.transport });
    return true;
  }

  /** A stream ended (either side); idempotent. */
  remove(client: StreamClient): void {
    const before = this.registry.size;
    this.registry.remove(client);
    if (this.registry.size < before) this.connections.dec({ transport: client.transport });
  }

  /** Committed rows to every instance. Never throws: the rows are stored, replay recovers them. */
  async publish(rows: NotificationEntity[]): Promise<void> {
    const live = rows.filter((row) => row.realtime);
    if (live.length === 0) return;
    const message: BusMessage =
      this.config.bus === 'redis'
        ? {
            kind: 'rows',
            rows: live.map((row) => ({ userId: row.userId, notification: toNotificationDto(row) })),
          }
        : { kind: 'ids', items: live.map((row) => [row.id, row.userId]) };
    await this.send(message);
  }

  async publishBroadcastBatch(
    broadcastId: string,
    firstUserId: string,
    lastUserId: string,
  ): Promise<void> {
    await this.send({ kind: 'broadcast', broadcastId, firstUserId, lastUserId });
  }

  /** What the bus brought: rows of users connected here, loaded with at most one query. */
  async receive(message: BusMessage): Promise<void> {
    try {
      this.deliver(await this.eventsOf(message));
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not deliver notifications from the bus');
    }
  }

  /** Writes each event to its user's streams that want it. */
  deliver(events: StreamEvent[]): void {
    for (const event of events) {
      const clients = this.registry.clientsOf(event.userId);
      if (!clients) continue;
      for (const client of [...clients]) this.deliverTo(client, event);
    }
  }

  private deliverTo(client: StreamClient, event: StreamEvent): void {
    const { type, createdAt } = event.notification;
    if (client.type && client.type !== type) return;
    if (event.bytes + ENVELOPE_BYTES > this.config.stream.maxMessageBytes) {
      this.drop('too_large');
      return;
    }
    if (client.write(event) === 'slow') {
      this.drop('slow_client');
      client.close('slow_client');
      return;
    }
    this.sent.inc({ type, channel: 'realtime' });
    this.latency.observe(Math.max(0, Date.now() - createdAt.getTime()) / 1000);
  }

  private async eventsOf(message: BusMessage): Promise<StreamEvent[]> {
    switch (message.kind) {
      case 'rows':
        return message.rows.filter((row) => this.registry.isConnected(row.userId)).map(revived);
      case 'ids': {
        const ids = message.items
          .filter(([, userId]) => this.registry.isConnected(userId))
          .map(([id]) => id);
        if (ids.length === 0) return [];
        return this.toEvents(await this.notifications.getRealtimeByIds(ids));
      }
      case 'broadcast': {
        const users = this.registry.usersBetween(message.firstUserId, message.lastUserId);
        if (users.length === 0) return [];
        const rows = await this.notifications.getRealtimeOfBroadcast(message.broadcastId, users);
        return this.toEvents(rows);
      }
    }
  }

  private toEvents(rows: NotificationEntity[]): StreamEvent[] {
    return rows.map((row) => eventOf(row.userId, toNotificationDto(row)));
  }

  private async send(message: BusMessage): Promise<void> {
    try {
      await this.bus.publish([message]);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not publish notifications to the real-time bus');
    }
  }

  /** Once a second: revoked sessions closed, idle SSE streams closed, heartbeats where due. */
  private sweep(): void {
    const now = Date.now();
    const { idleMs, heartbeatMs } = this.config.stream;
    for (const client of this.registry.all()) {
      if (this.revocations.isRevoked(client.user)) client.close('revoked');
      else if (client.transport === 'sse' && now - client.lastNotificationAt >= idleMs) {
        client.close('idle');
      } else if (now - client.lastWriteAt >= heartbeatMs) client.heartbeat();
    }
  }

  private drop(reason: DropReason): void {
    this.dropped.inc({ reason });
  }
}
