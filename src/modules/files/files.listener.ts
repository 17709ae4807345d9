import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvent } from '../../core/events/domain-events.js';
import { FilesService } from './files.service.js';

/**
 * A deleted account keeps its files through the restore window (AUTH_ACCOUNT_RESTORE_DAYS);
 * when the account is anonymised they are soft-deleted and the cleanup job purges the bytes.
 */
@Injectable()
export class FilesListener {
  private readonly logger = new Logger('Files');

  constructor(private readonly files: FilesService) {}

  @OnEvent('user.anonymised')
  async onUserAnonymised(event: DomainEvent<'user.anonymised'>): Promise<void> {
    try {
      const count = await this.files.deleteAllOf(event.userId);
      if (count > 0) this.logger.log({ userId: event.userId, count }, "Deleted account's files");
    } catch (err) {
      this.logger.error(
        { err, userId: event.userId },
        "Could not delete a deleted account's files",
      );
    }
  }
}
