import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { keysetPage, type KeysetRow, SqlConditions } from '../../core/database/keyset-page.js';
import { poolQuery } from '../../core/database/pool-query.js';
import { preparedStatement } from '../../core/database/prepared-statement.js';
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
/** Every column of a files row under its FileEntity name (a list: see keysetPage). */
const FILE_COLUMNS = `f.id, f.owner_id AS "ownerId", f.kind, f.status, f.storage_driver AS "storageDriver",
  f.storage_key AS "storageKey", f.name, f.mime_type AS "mimeType", f.size, f.sha256, f.width,
  f.height, f.has_thumbnails AS "hasThumbnails", f.failure_reason AS "failureReason",
  f.created_at AS "createdAt", f.updated_at AS "updatedAt", f.processed_at AS "processedAt",
  f.deleted_at AS "deletedAt", f.purged_at AS "purgedAt"`;

/** The row, if the owner's live files plus this one stay within the quota ($11). */
const INSERT_WITHIN_QUOTA = `INSERT INTO files
  (id, owner_id, kind, status, storage_driver, storage_key, name, mime_type, size, sha256,
   created_at, updated_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now()
  WHERE (SELECT COALESCE(sum(size), 0) FROM files WHERE owner_id = $2 AND deleted_at IS NULL)
        + $9::bigint <= $11::bigint
  RETURNING id`;

/**
 * bigint arrives as text from a plain query; sizes stay far below 2^53. In place: the row is this
 * query's own, and a spread copy of a pg row costs more than the rest of its mapping.
 */
const withNumericSize = <T extends { size: number }>(row: T): T => {
  row.size = Number(row.size);
  return row;
};

const LIVE_BY_ID = `SELECT ${FILE_COLUMNS} FROM files f WHERE f.id = $1 AND f.deleted_at IS NULL`;

@Injectable()
export class FilesRepository {
  constructor(@InjectRepository(FileEntity) private readonly files: Repository<FileEntity>) {}

  /** Every read of one file (answers, downloads, thumbnails, jobs): a prepared statement. */
  async getLive(id: string): Promise<FileEntity | null> {
    const statement = preparedStatement('files_live_by_id', LIVE_BY_ID);
    const [row] = await poolQuery<FileEntity>(this.files.manager, statement, [id]);
    return row ? withNumericSize(row) : null;
  }

  /** A page of the owner's live files, newest first, after the keyset position if given. */
  async listByOwner(
    ownerId: string,
    limit: number,
    after?: { key: string; id: string },
  ): Promise<{ rows: Array<KeysetRow<FileEntity>>; total: number }> {
    const { rows, total } = await keysetPage<FileEntity>(
      this.files.manager,
      {
        columns: FILE_COLUMNS,
        from: 'files f',
        where: new SqlConditions().add('f.owner_id = ? AND f.deleted_at IS NULL', ownerId),
        sortColumn: 'f.created_at',
        idColumn: 'f.id',
        idType: 'uuid',
        direction: 'DESC',
      },
      limit,
      after,
    );
    return { rows: rows.map(withNumericSize), total };
  }

  /** Uploads (deleted since or not) and their bytes per `interval` bucket of [from, to) (stats). */
  uploadsByBucket(
    from: Date,
    to: Date,
    interval: string,
  ): Promise<Array<{ bucket: Date; count: string; bytes: string }>> {
    return this.files.query(
      `SELECT date_trunc($3, created_at, 'UTC') AS bucket, count(*) AS count, sum(size) AS bytes
       FROM files WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
  }

  /** Live storage: the total (owner_id null) then the `top` owners by bytes (stats). */
  storageByOwner(
    top: number,
  ): Promise<Array<{ owner_id: string | null; bytes: string; files: string }>> {
    return this.files.query(
      `WITH per_owner AS (
         SELECT owner_id, sum(size) AS bytes, count(*) AS files
         FROM files WHERE deleted_at IS NULL GROUP BY owner_id)
       SELECT NULL AS owner_id, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(files), 0) AS files
       FROM per_owner
       UNION ALL
       (SELECT owner_id, bytes, files FROM per_owner ORDER BY bytes DESC, owner_id LIMIT $1)`,
      [top],
    );
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
      // A statement of its own after the lock: its snapshot sees every upload committed before.
      // (TypeORM answers an INSERT with its rows; UPDATE and DELETE with [rows, count].)
      const rows: unknown[] = await tx.query(INSERT_WITHIN_QUOTA, [
        file.id,
        file.ownerId,
        file.kind,
        file.status,
        file.storageDriver,
        file.storageKey,
        file.name,
        file.mimeType,
        file.size,
        file.sha256,
        quotaBytes,
      ]);
      return rows.length === 1;
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
