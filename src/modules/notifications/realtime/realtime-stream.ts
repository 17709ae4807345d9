import { Injectable } from '@nestjs/common';
import type { NotificationEntity } from '../notification.entity.js';
import { NotificationStream } from '../notification-stream.js';
import { RealtimeHub } from './realtime-hub.js';

/** The module's contract, delivered by the hub over the configured bus. */
@Injectable()
export class RealtimeStream extends NotificationStream {
  constructor(private readonly hub: RealtimeHub) {
    super();
  }

  published(rows: NotificationEntity[]): Promise<void> {
    return this.hub.publish(rows);
  }

  broadcastBatch(broadcastId: string, firstUserId: string, lastUserId: string): Promise<void> {
    return this.hub.publishBroadcastBatch(broadcastId, firstUserId, lastUserId);
  }
}
