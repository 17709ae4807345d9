import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { DeletionMode } from '../../config/registration.config.js';

/**
 * The choice a user makes when deleting the account (`users.deletion_mode`), and erasure: the
 * users row deleted at the end of the restore window, every row referencing it going with it
 * (ON DELETE CASCADE: roles, sessions, tokens, consents, files metadata, notifications, ...).
 */
@Injectable()
export class AccountErasureRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Written before the soft delete; a live account's choice is never read. */
  async choose(userId: string, mode: DeletionMode): Promise<void> {
    await this.db.query(
      'UPDATE users SET deletion_mode = $2 WHERE id = $1 AND deleted_at IS NULL',
      [userId, mode],
    );
  }

  /**
   * Deletes the accounts that chose erasure and were deleted more than `restoreDays` ago;
   * rows locked by a concurrent run are skipped. Returns the ids erased.
   */
  eraseDeletedBefore(restoreDays: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const rows: Array<{ id: string }> = await tx.query(
        `SELECT id FROM users
         WHERE deleted_at IS NOT NULL AND deleted_at < now() - make_interval(days => $1)
           AND deletion_mode = 'erase'
         FOR UPDATE SKIP LOCKED`,
        [restoreDays],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length) await tx.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [ids]);
      return ids;
    });
  }
}
