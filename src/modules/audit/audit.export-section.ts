import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ExportSection, ExportSections } from '../../core/exports/export-section.js';
import { AuditRepository, type AuditArchiveRow } from './audit.repository.js';

const BATCH = 1000;

/** A user's own audit entries (as actor) in their GDPR archive, oldest first. */
@Injectable()
export class AuditExportSection implements ExportSection, OnModuleInit {
  readonly name = 'auditLog';

  constructor(
    private readonly repo: AuditRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<AuditArchiveRow> {
    let after = '0';
    for (;;) {
      const rows = await this.repo.archiveBatch(userId, after, BATCH);
      yield* rows;
      if (rows.length < BATCH) return;
      after = rows[rows.length - 1].id;
    }
  }
}
