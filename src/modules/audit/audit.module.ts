import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { AuditController } from './audit.controller.js';
import { AuditExportSection } from './audit.export-section.js';
import { AuditListener } from './audit.listener.js';
import { AuditRepository } from './audit.repository.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditLogEntryResolver } from './audit-entry.resolver.js';
import { AuditService } from './audit.service.js';
import { AuditStatsSource } from './audit.stats-source.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditLogEntity } from './audit-log.entity.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditWriter } from './audit-writer.js';
import { AuditWorker } from './audit.worker.js';

/**
 * The audit log: one entry per domain event, written in batches, searchable by admins and
 * owners, exported as CSV or JSON; the user's own entries are a section of their GDPR archive.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntity]), AuthModule],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditWriter,
    AuditListener,
    AuditService,
    AuditResolver,
    AuditLogEntryResolver,
    AuditRetentionService,
    AuditExportService,
    AuditExportSection,
    AuditStatsSource,
    AuditWorker,
  ],
})
export class AuditModule {}
