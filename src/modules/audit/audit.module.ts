import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditListener } from './audit.listener.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditService } from './audit.service.js';
import { AuditWriter } from './audit-writer.js';

/** The audit log: every domain event recorded in batches, searchable by admins and owners. */
@Module({
  controllers: [AuditController],
  providers: [AuditWriter, AuditListener, AuditService, AuditResolver],
  exports: [AuditWriter],
})
export class AuditModule {}
