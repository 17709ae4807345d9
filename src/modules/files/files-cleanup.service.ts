import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { filesConfig } from '../../config/files.config.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { baseKeyOf, THUMBNAIL_SIZES, thumbnailKey } from './file-keys.js';
import { FILES_QUEUE, PROCESS_IMAGE_JOB } from './files.jobs.js';
import { FilesRepository } from './files.repository.js';
import {
  STORAGE_DRIVER,
  type StorageDriver,
  type StoredObjectInfo,
} from './storage/storage.driver.js';

const BATCH = 500;
const HOUR_MS = 3_600_000;
/** An image still `processing` after this long lost its job (e.g. the queue was down). */
const STUCK_PROCESSING_MS = 15 * 60_000;

export interface CleanupResult {
  purged: number;
  orphans: number;
  requeued: number;
  tempFiles: number;
}

/**
 * The daily cleanup: objects of files deleted more than FILES_PURGE_AFTER_DAYS ago, objects no
 * row knows (older than FILES_ORPHAN_GRACE_HOURS: a crash between upload and insert), stale
 * temporary files, and images whose processing job was lost.
 */
@Injectable()
export class FilesCleanupService {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly files: FilesRepository,
    private readonly jobs: JobsService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(filesConfig.KEY) private readonly config: ConfigType<typeof filesConfig>,
    @InjectMetric('files_purged_total') private readonly purgedTotal: Counter<'reason'>,
  ) {}

  async run(now = new Date()): Promise<CleanupResult> {
    const purged = await this.purgeDeleted(now);
    const orphans = await this.removeOrphans(now);
    const tempFiles = await this.cleanTemp();
    const requeued = await this.requeueStuck(now);
    const result = { purged, orphans, requeued, tempFiles };
    this.logger.log(result, 'Files cleanup finished');
    return result;
  }

  private async purgeDeleted(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.purgeAfterDays * 24 * HOUR_MS);
    let total = 0;
    for (;;) {
      const batch = await this.files.purgeable(before, BATCH);
      for (const file of batch) {
        const keys = [
          file.storageKey,
          ...THUMBNAIL_SIZES.map((s) => thumbnailKey(file.storageKey, s)),
        ];
        for (const key of keys) await this.storage.delete(key);
        await this.files.markPurged(file.id);
      }
      total += batch.length;
      if (batch.length < BATCH) break;
    }
    this.purgedTotal.inc({ reason: 'deleted' }, total);
    return total;
  }

  private async removeOrphans(now: Date): Promise<number> {
    const cutoff = now.getTime() - this.config.orphanGraceHours * HOUR_MS;
    let removed = 0;
    let batch: StoredObjectInfo[] = [];
    const sweep = async (): Promise<void> => {
      const known = await this.files.knownKeys([...new Set(batch.map((o) => baseKeyOf(o.key)))]);
      for (const object of batch) {
        if (known.has(baseKeyOf(object.key)) || object.lastModified.getTime() > cutoff) continue;
        await this.storage.delete(object.key);
        removed++;
      }
      batch = [];
    };
    for await (const object of this.storage.list('')) {
      batch.push(object);
      if (batch.length >= BATCH) await sweep();
    }
    await sweep();
    this.purgedTotal.inc({ reason: 'orphan' }, removed);
    return removed;
  }

  private async cleanTemp(): Promise<number> {
    return (await this.storage.cleanTemp?.(this.config.orphanGraceHours * HOUR_MS)) ?? 0;
  }

  private async requeueStuck(now: Date): Promise<number> {
    const ids = await this.files.stuckProcessing(new Date(now.getTime() - STUCK_PROCESSING_MS));
    for (const fileId of ids) await this.jobs.enqueue(FILES_QUEUE, PROCESS_IMAGE_JOB, { fileId });
    return ids.length;
  }
}
