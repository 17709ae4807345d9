import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import type { NotificationDto } from '../dto/notification.dto.js';
import type { StreamClient, StreamCloseReason, StreamEvent, WriteResult } from './stream-client.js';

export interface SseOptions {
  retryMs: number;
  /** A client whose unsent bytes exceed this is too slow: it is dropped. */
  maxBufferedBytes: number;
}

export const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx and similar proxies would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

const frame = (id: string, json: string): string =>
  `id: ${id}\nevent: notification\ndata: ${json}\n\n`;

/**
 * One Server-Sent Events stream on a hijacked response. Until `start` (the replay written),
 * live events are held back, then written unless the replay already carried them.
 */
export class SseClient implements StreamClient {
  readonly transport = 'sse' as const;
  lastNotificationAt = Date.now();
  lastWriteAt = Date.now();
  private pending: StreamEvent[] | undefined = [];
  private closed = false;

  constructor(
    readonly user: AuthUser,
    readonly ip: string,
    readonly type: string | undefined,
    private readonly res: ServerResponse,
    private readonly options: SseOptions,
    private readonly onClosed: (client: SseClient) => void,
  ) {}

  /** Sends the headers, the retry hint and what was missed (or `resync`), then live events. */
  start(headers: OutgoingHttpHeaders, replay: NotificationDto[] | 'resync'): void {
    this.res.on('close', () => this.ended());
    this.res.writeHead(200, { ...headers, ...SSE_HEADERS });
    let text = `retry: ${this.options.retryMs}\n\n`;
    const sent = new Set<string>();
    if (replay === 'resync') text += 'event: resync\ndata: {}\n\n';
    else {
      for (const notification of replay) {
        sent.add(notification.id);
        text += frame(notification.id, JSON.stringify(notification));
      }
    }
    this.send(text);
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const event of pending) {
      if (!sent.has(event.notification.id)) this.write(event);
    }
  }

  write(event: StreamEvent): WriteResult {
    if (this.closed) return 'written';
    if (this.pending) {
      this.pending.push(event);
      return 'written';
    }
    if (this.res.writableLength > this.options.maxBufferedBytes) return 'slow';
    this.send(frame(event.notification.id, event.json));
    this.lastNotificationAt = this.lastWriteAt;
    return 'written';
  }

  heartbeat(): void {
    if (!this.closed && !this.pending) this.send(': ping\n\n');
  }

  close(reason: StreamCloseReason): void {
    if (this.closed) return;
    if (reason === 'slow_client') {
      this.res.destroy();
    } else if (this.pending) {
      this.res.destroy();
    } else {
      // EventSource reconnects after `retry` ms; a revoked session then meets a 401 and stops.
      this.res.end(`retry: ${this.options.retryMs}\n\n`);
    }
    this.ended();
  }

  private send(text: string): void {
    this.res.write(text);
    this.lastWriteAt = Date.now();
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.onClosed(this);
  }
}
