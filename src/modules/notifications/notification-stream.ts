import type { NotificationEntity } from './notification.entity.js';

/**
 * The real-time side as the rest of the module sees it: committed notifications go in, every
 * instance pushes them to its connected clients (SSE and the notificationAdded subscription).
 * Callers invoke it only after the rows' transaction committed, so a rolled-back notification
 * is never pushed.
 */
export abstract class NotificationStream {
  /** Rows just committed; those with `realtime` set reach the user's open streams everywhere. */
  abstract published(rows: NotificationEntity[]): Promise<void>;

  /**
   * One committed batch of a broadcast, for the users with ids in [firstUserId, lastUserId]:
   * each instance loads the rows of its connected users in that range with one query.
   */
  abstract broadcastBatch(
    broadcastId: string,
    firstUserId: string,
    lastUserId: string,
  ): Promise<void>;
}
