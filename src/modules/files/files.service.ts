import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { pipeline, type Readable } from 'node:stream';
import { filesConfig } from '../../config/files.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { decodeCursor, encodeCursor, isTimestampKey } from '../../core/pagination/cursor.js';
import { DEFAULT_PAGE_LIMIT } from '../../core/pagination/page.args.js';
import { type Page, toPage } from '../../core/pagination/page.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { UsersService } from '../auth/users.service.js';
import { ByteLimit } from './byte-limit.js';
import { type FileDto, type StorageUsageDto, toFileDto } from './dto/file.dto.js';
import { FileAccess } from './file-access.js';
import type { FileKind } from './file.entity.js';
import { newFileKey } from './file-keys.js';
import { FilesRepository, type StorageUsage } from './files.repository.js';
import { FILES_QUEUE, PROCESS_IMAGE_JOB } from './files.jobs.js';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage.driver.js';
import { ContentInspector, type InspectionPolicy } from './validation/content-inspector.js';
import { FileRejectedError } from './validation/file-rejected.error.js';
import { sanitizeFilename } from './validation/filename.js';
import { IMAGE_TYPES } from './image-processor.js';

/** What a transport hands over: the part's byte stream and what the client claimed about it. */
export interface UploadSource {
  stream: Readable;
  filename?: string;
  mimeType?: string;
}

const quotaExceeded = (): AppException =>
  new AppException('QUOTA_EXCEEDED', 'This upload would exceed your storage quota');

/** Uploads (validated while streamed to storage), listing, metadata, deletion and usage. */
@Injectable()
export class FilesService {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly files: FilesRepository,
    private readonly users: UsersService,
    private readonly access: FileAccess,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly jobs: JobsService,
    private readonly events: EventBus,
    @Inject(filesConfig.KEY) private readonly config: ConfigType<typeof filesConfig>,
    @InjectMetric('files_uploaded_total') private readonly uploaded: Counter<'kind'>,
    @InjectMetric('files_rejected_total') private readonly rejected: Counter<'kind' | 'reason'>,
  ) {}

  /**
   * Streams the upload through the content inspector and the quota into storage; only a file
   * that passed every check gets a row. Any failure leaves neither an object nor a row.
   */
  async upload(actor: AuthUser, kind: FileKind, source: UploadSource): Promise<FileDto> {
    const remaining = await this.remainingQuota(actor.id).catch((error: unknown) => {
      throw discard(source, error);
    });
    if (remaining <= 0) {
      this.rejected.inc({ kind, reason: 'quota' });
      throw discard(source, quotaExceeded());
    }
    const inspector = new ContentInspector(this.policy(kind), source.mimeType);
    const body = pipeline(source.stream, inspector, new ByteLimit(remaining, quotaExceeded), () => {
      // Errors surface through storage.put, which receives the last stream.
    });
    const { id, key } = newFileKey(kind);
    try {
      await this.storage.put(key, body, { contentType: 'application/octet-stream' });
    } catch (error) {
      throw this.uploadError(kind, error);
    }
    const content = inspector.result();
    const file = {
      id,
      ownerId: actor.id,
      kind,
      status: IMAGE_TYPES.has(content.mimeType) ? ('processing' as const) : ('ready' as const),
      storageDriver: this.storage.name,
      storageKey: key,
      name: sanitizeFilename(source.filename, content.extension),
      mimeType: content.mimeType,
      size: content.size,
      sha256: content.sha256,
    };
    try {
      if (!(await this.files.insertWithinQuota(file, this.config.userQuotaBytes))) {
        throw quotaExceeded();
      }
    } catch (error) {
      await this.storage.delete(key).catch((err: unknown) => {
        this.logger.warn({ err, key }, 'Could not remove the object of a refused upload');
      });
      throw this.uploadError(kind, error);
    }
    const replaced = kind === 'avatar' ? await this.switchAvatar(actor.id, id) : null;
    this.uploaded.inc({ kind });
    this.logger.log(
      { fileId: id, kind, mimeType: file.mimeType, size: file.size },
      'File uploaded',
    );
    this.events.emit('file.uploaded', {
      fileId: id,
      ownerId: actor.id,
      kind,
      mimeType: file.mimeType,
      size: file.size,
    });
    if (replaced) this.events.emit('file.deleted', { fileId: replaced, ownerId: actor.id });
    // Read before the job is queued: a worker may finish it at once, and the answer must say
    // what was stored (`processing`), not race it.
    const stored = await this.files.getLive(id);
    if (!stored) throw new AppException('NOT_FOUND', 'File not found');
    if (file.status === 'processing') {
      await this.jobs.enqueue(FILES_QUEUE, PROCESS_IMAGE_JOB, { fileId: id });
    }
    return toFileDto(stored);
  }

  async listMine(
    actor: AuthUser,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<FileDto>> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor ? decodeCursor(page.cursor, 'files', isTimestampKey) : undefined;
    const { rows, total } = await this.files.listByOwner(actor.id, limit, after);
    return toPage(rows, limit, total, toFileDto, (row) =>
      encodeCursor({ sort: 'files', key: row.sortKey, id: row.id }),
    );
  }

  async get(actor: AuthUser, id: string): Promise<FileDto> {
    return toFileDto(await this.access.readable(actor, id));
  }

  async delete(actor: AuthUser, id: string): Promise<void> {
    const file = await this.access.deletable(actor, id);
    if (!(await this.files.softDelete(file.id)))
      throw new AppException('NOT_FOUND', 'File not found');
    if (file.kind === 'avatar') await this.users.clearAvatarIf(file.ownerId, file.id);
    this.logger.log({ fileId: id, ownerId: file.ownerId }, 'File deleted');
    this.events.emit('file.deleted', { fileId: id, ownerId: file.ownerId });
  }

  async usage(actor: AuthUser): Promise<StorageUsageDto> {
    return { ...(await this.files.usage(actor.id)), quotaBytes: this.config.userQuotaBytes };
  }

  /** Storage used by everyone (for the stats module). */
  totalUsage(): Promise<StorageUsage> {
    return this.files.usage();
  }

  /** Account deletion: every file of the user goes (objects purged later by the cleanup job). */
  async deleteAllOf(ownerId: string): Promise<number> {
    const ids = await this.files.softDeleteAllOf(ownerId);
    for (const fileId of ids) this.events.emit('file.deleted', { fileId, ownerId });
    return ids.length;
  }

  /**
   * The user's avatar lives on `users`, which auth owns: it switches it and answers the file it
   * replaced, soft-deleted here. A failed switch takes the new file back out.
   */
  private async switchAvatar(userId: string, fileId: string): Promise<string | null> {
    let replaced: string | null;
    try {
      replaced = await this.users.setAvatar(userId, fileId);
    } catch (error) {
      await this.files.softDelete(fileId).catch((err: unknown) => {
        this.logger.warn({ err, fileId }, 'Could not withdraw an avatar that was not set');
      });
      throw error;
    }
    if (replaced && replaced !== fileId) await this.files.softDelete(replaced);
    return replaced;
  }

  private async remainingQuota(ownerId: string): Promise<number> {
    return this.config.userQuotaBytes - (await this.files.usage(ownerId)).usedBytes;
  }

  private policy(kind: FileKind): InspectionPolicy {
    const limits = kind === 'avatar' ? this.config.avatar : this.config.attachment;
    return { allowedTypes: limits.types, maxBytes: limits.maxBytes, zip: this.config.zip };
  }

  private uploadError(kind: FileKind, error: unknown): unknown {
    if (error instanceof FileRejectedError) {
      this.rejected.inc({ kind, reason: error.reasonCode });
      this.logger.warn({ kind, reason: error.reasonCode }, `Upload refused: ${error.reason}`);
      return new AppException(error.code, error.reason, {
        errors: [{ field: 'file', message: error.reason }],
      });
    }
    if (error instanceof AppException && error.code === 'QUOTA_EXCEEDED') {
      this.rejected.inc({ kind, reason: 'quota' });
    }
    if (isInterrupted(error)) {
      this.rejected.inc({ kind, reason: 'interrupted' });
      return new AppException('VALIDATION_FAILED', 'The upload was interrupted', {
        errors: [{ field: 'file', message: 'the upload ended before the file was complete' }],
      });
    }
    return error;
  }
}

/**
 * Drops an upload that will not be stored; returns the error to throw. Its bytes are not read
 * here (it may be large): the multipart layer reads a small rest of the body after answering,
 * or closes the connection (core/http/multipart.ts).
 */
export function discard(source: UploadSource, error: unknown): unknown {
  source.stream.destroy();
  return error;
}

/** The client went away or the multipart body ended early. */
function isInterrupted(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    /Unexpected end of (form|multipart data)|Request disconnected|aborted/i.test(message ?? '')
  );
}
