import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { notificationsConfig } from '../../../config/notifications.config.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { AppException } from '../../../core/errors/app.exception.js';
import { ShutdownState } from '../../../core/lifecycle/shutdown.state.js';
import { type NotificationDto, toNotificationDto } from '../dto/notification.dto.js';
import { NotificationsRepository } from '../notifications.repository.js';
import { RealtimeHub } from './realtime-hub.js';
import { SseClient } from './sse-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** At least this many unsent bytes are tolerated before a client counts as too slow. */
export const slowClientBytes = (maxMessageBytes: number): number => 4 * maxMessageBytes;

export const overLimit = (): AppException =>
  new AppException('RATE_LIMIT_EXCEEDED', 'Too many notification streams are open; close one');

/** Opens SSE streams: limits and replay checked while errors can still be answered. */
@Injectable()
export class SseStreamsService {
  constructor(
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
    private readonly hub: RealtimeHub,
    private readonly notifications: NotificationsRepository,
    private readonly shutdown: ShutdownState,
  ) {}

  async open(
    user: AuthUser,
    request: FastifyRequest,
    reply: FastifyReply,
    type: string | undefined,
  ): Promise<void> {
    if (this.shutdown.shuttingDown || this.hub.shuttingDown) {
      throw new AppException('SERVICE_UNAVAILABLE', 'Shutting down; reconnect to another instance');
    }
    const { retryMs, maxMessageBytes } = this.config.stream;
    const client = new SseClient(
      user,
      request.ip,
      type,
      reply.raw,
      { retryMs, maxBufferedBytes: slowClientBytes(maxMessageBytes) },
      (closed) => this.hub.remove(closed),
    );
    if (!this.hub.admit(client)) throw overLimit();
    let replay: NotificationDto[] | 'resync';
    try {
      replay = await this.replay(user.id, request.headers['last-event-id'], type);
    } catch (error) {
      this.hub.remove(client);
      throw error;
    }
    reply.hijack();
    // The stream manages its own silence (heartbeats, idle close): no socket idle timeout.
    request.raw.socket?.setTimeout?.(0);
    client.start(reply.getHeaders() as OutgoingHttpHeaders, replay);
  }

  /** What a reconnecting client missed; `resync` beyond the bound or for an unknown id. */
  private async replay(
    userId: string,
    lastEventId: string | string[] | undefined,
    type: string | undefined,
  ): Promise<NotificationDto[] | 'resync'> {
    if (lastEventId === undefined) return [];
    const lastId = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
    if (!UUID.test(lastId.trim())) return 'resync';
    const limit = this.config.stream.replayLimit;
    const rows = await this.notifications.realtimeAfter(userId, lastId.trim(), limit, type);
    if (!rows || rows.length > limit) return 'resync';
    return rows.map(toNotificationDto);
  }
}
