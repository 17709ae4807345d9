import { Global, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditController } from './audit.controller.js';
import { AuditListener } from './audit.listener.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditService } from './audit.service.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditWriter } from './audit-writer.js';
import { AuditWorker } from './audit.worker.js';
import { AuditSnapshotRegistry } from './audit-snapshot.js';
import { ExportExpiryService } from './export-expiry.service.js';
import { UserAuditSnapshot } from './user-audit.snapshot.js';

/**
 * The audit log: every domain event recorded in batches, searchable by admins and owners.
 * Global so that @Audited routes in any module can build their AuditInterceptor.
 */
@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditWriter,
    AuditListener,
    AuditService,
    AuditResolver,
    AuditRetentionService,
    AuditExportService,
    ExportExpiryService,
    AuditWorker,
    AuditSnapshotRegistry,
    UserAuditSnapshot,
    makeCounterProvider({
      name: 'exports_expired_total',
      help: 'Export files (GDPR archives, audit exports) deleted by the daily expiry job',
    }),
  ],
  exports: [AuditWriter, AuditSnapshotRegistry],
})
export class AuditModule {}
