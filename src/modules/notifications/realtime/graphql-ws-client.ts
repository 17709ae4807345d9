import type { AuthUser } from '../../../core/auth/auth-user.js';
import type { GraphqlWsSocket } from '../../../core/graphql/graphql-ws.js';
import type { NotificationDto } from '../dto/notification.dto.js';
import type { StreamClient, StreamCloseReason, StreamEvent, WriteResult } from './stream-client.js';

/** WebSocket close codes: 1012 service restart (reconnect elsewhere), 4403 forbidden. */
export const WS_CLOSE = {
  shutdown: 1012,
  slow_client: 1013,
  revoked: 4403,
  idle: 1000,
  over_limit: 4429,
} as const;

export interface GraphqlWsOptions {
  /** A client whose socket holds more unsent bytes than this is too slow: it is dropped. */
  maxBufferedBytes: number;
  /** Events waiting for Mercurius to take them. */
  maxQueued: number;
}

/**
 * One `notificationAdded` subscription: the async iterator Mercurius reads. It ends when the
 * client completes it or leaves (Mercurius calls `return`), or when the server closes it.
 */
export class GraphqlWsClient implements StreamClient, AsyncIterableIterator<NotificationDto> {
  readonly transport = 'graphql_ws' as const;
  lastNotificationAt = Date.now();
  lastWriteAt = Date.now();
  private readonly queue: NotificationDto[] = [];
  private waiting?: (result: IteratorResult<NotificationDto>) => void;
  private done = false;

  constructor(
    readonly user: AuthUser,
    readonly ip: string,
    readonly type: string | undefined,
    private readonly socket: GraphqlWsSocket,
    private readonly options: GraphqlWsOptions,
    private readonly onClosed: (client: GraphqlWsClient) => void,
  ) {}

  write(event: StreamEvent): WriteResult {
    if (this.done) return 'written';
    if (
      this.socket.bufferedAmount > this.options.maxBufferedBytes ||
      this.queue.length >= this.options.maxQueued
    ) {
      return 'slow';
    }
    this.lastNotificationAt = this.lastWriteAt = Date.now();
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event.notification, done: false });
    } else this.queue.push(event.notification);
    return 'written';
  }

  /** Mercurius' keep-alive pings the socket; nothing to add per subscription. */
  heartbeat(): void {
    this.lastWriteAt = Date.now();
  }

  close(reason: StreamCloseReason): void {
    if (this.done) return;
    this.socket.close(WS_CLOSE[reason], reason);
    void this.return();
  }

  next(): Promise<IteratorResult<NotificationDto>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<NotificationDto>> {
    if (!this.done) {
      this.done = true;
      this.queue.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      this.onClosed(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
