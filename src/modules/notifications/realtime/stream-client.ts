import type { AuthUser } from '../../../core/auth/auth-user.js';
import type { NotificationDto } from '../dto/notification.dto.js';

export type StreamTransport = 'sse' | 'graphql_ws';

/** Why the server ends a stream; each transport says it its own way (SSE `retry:`, close code). */
export type StreamCloseReason = 'idle' | 'revoked' | 'shutdown' | 'slow_client';

/** One notification ready to push, serialized once for every stream that receives it. */
export interface StreamEvent {
  userId: string;
  notification: NotificationDto;
  /** The NotificationDto as JSON (SSE `data:`; its length bounds the WebSocket message too). */
  json: string;
  bytes: number;
}

export type WriteResult = 'written' | 'slow';

/** An open stream of one user, on this instance, whatever its transport. */
export interface StreamClient {
  readonly user: AuthUser;
  readonly ip: string;
  readonly transport: StreamTransport;
  /** Only notifications of this type (the `type` filter). */
  readonly type?: string;
  /** Epoch ms of the last notification (or of the opening): the idle clock. */
  readonly lastNotificationAt: number;
  /** Epoch ms of the last bytes written: heartbeats fill the silence. */
  readonly lastWriteAt: number;
  /** Hands the event to the socket; `slow` when the client does not keep up (not written). */
  write(event: StreamEvent): WriteResult;
  heartbeat(): void;
  close(reason: StreamCloseReason): void;
}
