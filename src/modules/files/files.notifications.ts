import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { DomainEvent } from '../../core/events/domain-events.js';
import {
  type NotificationDraft,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import { FilesRepository } from './files.repository.js';

/** The files module's notification type: an uploaded image was processed (or could not be). */
@Injectable()
export class FilesNotificationTypes implements OnModuleInit {
  constructor(
    private readonly types: NotificationTypes,
    private readonly files: FilesRepository,
  ) {}

  onModuleInit(): void {
    this.types.register({
      name: 'file_processed',
      description: 'An uploaded image was processed, or could not be',
      defaultChannels: ['in_app', 'realtime'],
      from: { 'file.processed': (event) => this.processed(event) },
    });
  }

  private async processed(event: DomainEvent<'file.processed'>): Promise<NotificationDraft | null> {
    const file = await this.files.getLive(event.fileId);
    if (!file) return null;
    const ready = event.status === 'ready';
    return {
      userId: event.ownerId,
      title: ready ? `${file.name} is ready` : `${file.name} could not be processed`,
      body: ready
        ? 'Its thumbnails are ready.'
        : `The image could not be processed${file.failureReason ? `: ${file.failureReason}` : ''}.`,
      level: ready ? 'success' : 'error',
      data: { fileId: file.id, name: file.name, status: event.status },
      entity: { type: 'file', id: file.id },
      dedupeKey: `processed:${file.id}`,
    };
  }
}
