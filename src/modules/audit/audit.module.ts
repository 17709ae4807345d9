import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditListener } from './audit.listener.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditService } from './audit.service.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditWriter } from './audit-writer.js';
import { AuditWorker } from './audit.worker.js';
import { AuditSnapshotRegistry } from './audit-snapshot.js';
import { UserAuditSnapshot } from './user-audit.snapshot.js';

/** The audit log: every domain event recorded in batches, searchable by admins and owners. */
@Module({
  controllers: [AuditController],
  providers: [
    AuditWriter,
    AuditListener,
    AuditService,
    AuditResolver,
    AuditRetentionService,
    AuditExportService,
    AuditWorker,
    AuditSnapshotRegistry,
    UserAuditSnapshot,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditWriter, AuditSnapshotRegistry],
})
export class AuditModule {}
