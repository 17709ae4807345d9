import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuthModule } from '../auth/auth.module.js';
import { FileAccess } from './file-access.js';
import { FileDownloadsService } from './file-downloads.service.js';
import { FileEntity } from './file.entity.js';
import { FilesCleanupService } from './files-cleanup.service.js';
import { FilesController } from './files.controller.js';
import { FilesExportSection } from './files.export-section.js';
import { FilesListener } from './files.listener.js';
import { FilesNotificationTypes } from './files.notifications.js';
import { FilesRepository } from './files.repository.js';
import { FilesResolver } from './files.resolver.js';
import { FilesService } from './files.service.js';
import { FilesStatsSource } from './files.stats-source.js';
import { FilesWorker } from './files.worker.js';
import { ImageProcessingService } from './image-processing.service.js';
import { storageProvider } from './storage/storage.provider.js';
import { STORAGE_DRIVER } from './storage/storage.driver.js';

/** Uploads validated by content, local or S3 storage, thumbnails, signed downloads, cleanup. */
@Module({
  imports: [TypeOrmModule.forFeature([FileEntity]), AuthModule],
  controllers: [FilesController],
  providers: [
    storageProvider,
    FilesRepository,
    FileAccess,
    FilesService,
    FileDownloadsService,
    FilesResolver,
    ImageProcessingService,
    FilesCleanupService,
    FilesWorker,
    FilesListener,
    FilesExportSection,
    FilesNotificationTypes,
    FilesStatsSource,
    makeCounterProvider({
      name: 'files_uploaded_total',
      help: 'Files stored, by kind',
      labelNames: ['kind'],
    }),
    makeCounterProvider({
      name: 'files_rejected_total',
      help: 'Uploads refused, by kind and reason (type, size, executable, zip_bomb, quota, ...)',
      labelNames: ['kind', 'reason'],
    }),
    makeCounterProvider({
      name: 'files_purged_total',
      help: 'Objects removed from storage by the cleanup job, by reason (deleted, orphan)',
      labelNames: ['reason'],
    }),
  ],
  exports: [FilesService, STORAGE_DRIVER],
})
export class FilesModule {}
