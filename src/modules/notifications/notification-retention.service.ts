import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { notificationsConfig } from '../../config/notifications.config.js';
import { NotificationsRepository } from './notifications.repository.js';

const BATCH = 5000;
const DAY_MS = 86_400_000;

/** Deletes read notifications after NOTIFICATIONS_READ_RETENTION_DAYS, any after NOTIFICATIONS_RETENTION_DAYS. */
@Injectable()
export class NotificationRetention {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly notifications: NotificationsRepository,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
  ) {}

  async run(now = new Date()): Promise<{ deleted: number }> {
    const readBefore = new Date(now.getTime() - this.config.readRetentionDays * DAY_MS);
    const before = new Date(now.getTime() - this.config.retentionDays * DAY_MS);
    let deleted = 0;
    // Small batches keep each transaction short on a large table.
    for (;;) {
      const n = await this.notifications.purgeBatch(readBefore, before, BATCH);
      deleted += n;
      if (n < BATCH) break;
    }
    if (deleted > 0) this.logger.log({ deleted }, 'Old notifications deleted');
    return { deleted };
  }
}
