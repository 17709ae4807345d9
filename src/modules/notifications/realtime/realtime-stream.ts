import { Injectable } from '@nestjs/common';
import type { NotificationEntity } from '../notification.entity.js';
import { NotificationStream } from '../notification-stream.js';

// Placeholder until the real-time transports land: nothing is connected, nothing to push.
@Injectable()
export class RealtimeStream extends NotificationStream {
  published(_rows: NotificationEntity[]): Promise<void> {
    return Promise.resolve();
  }

  broadcastBatch(_broadcastId: string, _first: string, _last: string): Promise<void> {
    return Promise.resolve();
  }
}
