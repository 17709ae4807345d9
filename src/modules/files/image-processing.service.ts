import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { Readable } from 'node:stream';
import { EventBus } from '../../core/events/event-bus.js';
import { UsersService } from '../auth/users.service.js';
import type { FileEntity } from './file.entity.js';
import { thumbnailKey } from './file-keys.js';
import { FilesRepository } from './files.repository.js';
import { processImage, UndecodableImageError } from './image-processor.js';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage.driver.js';

/** The image job: thumbnails, dimensions, metadata stripped; then the file is ready (or failed). */
@Injectable()
export class ImageProcessingService {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly files: FilesRepository,
    private readonly users: UsersService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly events: EventBus,
  ) {}

  async process(fileId: string, finalAttempt: boolean): Promise<{ status: string }> {
    const file = await this.files.getLive(fileId);
    if (!file || file.status !== 'processing') return { status: file?.status ?? 'gone' };
    try {
      const input = await this.read(file);
      const image = await processImage(input, file.mimeType);
      for (const [size, bytes] of image.thumbnails) {
        await this.storage.put(thumbnailKey(file.storageKey, size), Readable.from([bytes]), {
          contentType: 'image/webp',
        });
      }
      if (image.stripped) {
        await this.storage.put(file.storageKey, Readable.from([image.stripped.bytes]), {
          contentType: file.mimeType,
        });
      }
      await this.files.markProcessed(file.id, {
        status: 'ready',
        width: image.width,
        height: image.height,
        hasThumbnails: true,
        ...(image.stripped && {
          size: image.stripped.bytes.length,
          sha256: image.stripped.sha256,
        }),
      });
      this.logger.log(
        { fileId, width: image.width, height: image.height, stripped: Boolean(image.stripped) },
        'Image processed',
      );
      this.events.emit('file.processed', { fileId, ownerId: file.ownerId, status: 'ready' });
      return { status: 'ready' };
    } catch (error) {
      const undecodable = error instanceof UndecodableImageError;
      if (undecodable || finalAttempt) await this.fail(file, error as Error);
      throw undecodable ? new UnrecoverableError((error as Error).message) : error;
    }
  }

  private async fail(file: FileEntity, error: Error): Promise<void> {
    await this.files.markProcessed(file.id, {
      status: 'failed',
      failureReason: error.message.slice(0, 200),
    });
    if (file.kind === 'avatar') await this.users.clearAvatarIf(file.ownerId, file.id);
    this.logger.warn({ fileId: file.id, err: error }, 'Image processing failed');
    this.events.emit('file.processed', {
      fileId: file.id,
      ownerId: file.ownerId,
      status: 'failed',
    });
  }

  /** Images are at most the attachment limit (10 MB by default): reading one whole is bounded. */
  private async read(file: FileEntity): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.storage.get(file.storageKey)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
