import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { FileEntity, type FileStatus } from './file.entity.js';

export type NewFile = Omit<
  FileEntity,
  | 'createdAt'
  | 'updatedAt'
  | 'processedAt'
  | 'deletedAt'
  | 'purgedAt'
  | 'width'
  | 'height'
  | 'hasThumbnails'
  | 'failureReason'
>;

export interface StorageUsage {
  usedBytes: number;
  fileCount: number;
}

/** Intention-named queries over `files`; deleted files are invisible unless a method says so. */
@Injectable()
export class FilesRepository {
  constructor(@InjectRepository(FileEntity) private readonly files: Repository<FileEntity>) {}

  getLive(id: string): Promise<FileEntity | null> {
    return this.files.findOneBy({ id, deletedAt: IsNull() });
  }

  /** A page of the owner's live files, newest first, after the keyset position if given. */
  async listByOwner(
    ownerId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<{ rows: FileEntity[]; total: number }> {
    const query = this.files
      .createQueryBuilder('f')
      .where('f.owner_id = :ownerId AND f.deleted_at IS NULL', { ownerId })
      .orderBy('f.created_at', 'DESC')
      .addOrderBy('f.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      query.andWhere(
        '(f.created_at, f.id) < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))',
        after,
      );
    }
    const [rows, total] = await Promise.all([
      query.getMany(),
      this.files.countBy({ ownerId, deletedAt: IsNull() }),
    ]);
    return { rows, total };
  }

  /** Live files of one owner, or of everyone without `ownerId`. */
  usage(ownerId?: string): Promise<StorageUsage> {
    return this.usageIn(this.files.manager, ownerId);
  }

  /**
   * Inserts the file if the owner stays within `quotaBytes`; false otherwise. Uploads of one
   * owner are serialised by an advisory lock, so concurrent uploads cannot overshoot together.
   */
  insertWithinQuota(file: NewFile, quotaBytes: number): Promise<boolean> {
    return this.files.manager.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `files:${file.ownerId}`,
      ]);
      const { usedBytes } = await this.usageIn(tx, file.ownerId);
      if (usedBytes + file.size > quotaBytes) return false;
      const now = new Date();
      await tx.insert(FileEntity, { ...file, createdAt: now, updatedAt: now });
      return true;
    });
  }

  /** Soft delete; false when already gone. */
  async softDelete(id: string): Promise<boolean> {
    const { affected } = await this.files.update(
      { id, deletedAt: IsNull() },
      { deletedAt: new Date(), updatedAt: new Date() },
    );
    return affected === 1;
  }

  /** Soft-deletes every live file of an owner (account deletion); returns their ids. */
  async softDeleteAllOf(ownerId: string): Promise<string[]> {
    const [rows]: [Array<{ id: string }>, number] = await this.files.query(
      `UPDATE files SET deleted_at = now(), updated_at = now()
       WHERE owner_id = $1 AND deleted_at IS NULL RETURNING id`,
      [ownerId],
    );
    return rows.map((r) => r.id);
  }

  async markProcessed(
    id: string,
    outcome: {
      status: Exclude<FileStatus, 'processing'>;
      width?: number | null;
      height?: number | null;
      hasThumbnails?: boolean;
      size?: number;
      sha256?: string;
      failureReason?: string | null;
    },
  ): Promise<void> {
    await this.files.update({ id }, { ...outcome, processedAt: new Date(), updatedAt: new Date() });
  }

  /** Deleted files whose objects are due for removal, oldest first. */
  purgeable(deletedBefore: Date, limit: number): Promise<FileEntity[]> {
    return this.files
      .createQueryBuilder('f')
      .where('f.deleted_at < :deletedBefore AND f.purged_at IS NULL', { deletedBefore })
      .orderBy('f.deleted_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  async markPurged(id: string): Promise<void> {
    await this.files.update({ id }, { purgedAt: new Date() });
  }

  /** Ids of live images still `processing` since before `since`. */
  async stuckProcessing(since: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.files.query(
      `SELECT id FROM files WHERE status = 'processing' AND deleted_at IS NULL AND created_at < $1
       ORDER BY created_at LIMIT 1000`,
      [since],
    );
    return rows.map((r) => r.id);
  }

  /** Which of these storage keys still belong to a file whose object must be kept. */
  async knownKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: Array<{ storage_key: string }> = await this.files.query(
      'SELECT storage_key FROM files WHERE storage_key = ANY($1) AND purged_at IS NULL',
      [keys],
    );
    return new Set(rows.map((r) => r.storage_key));
  }

  private async usageIn(tx: EntityManager, ownerId?: string): Promise<StorageUsage> {
    const rows: Array<{ used: string; n: number }> = await tx.query(
      `SELECT COALESCE(sum(size), 0)::text AS used, count(*)::int AS n FROM files
       WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR owner_id = $1)`,
      [ownerId ?? null],
    );
    return { usedBytes: Number(rows[0].used), fileCount: rows[0].n };
  }
}
