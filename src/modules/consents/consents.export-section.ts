import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ExportSection, ExportSections } from '../../core/exports/export-section.js';
import { type ConsentRow, ConsentsRepository } from './consents.repository.js';

const BATCH = 500;

export type ArchivedConsent = Omit<ConsentRow, 'id'>;

/** The whole consent history in the user's GDPR archive, in the order it was given. */
@Injectable()
export class ConsentsExportSection implements ExportSection, OnModuleInit {
  readonly name = 'consents';

  constructor(
    private readonly consents: ConsentsRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<ArchivedConsent> {
    let after: string | null = null;
    for (;;) {
      const rows = await this.consents.history(userId, after, BATCH);
      for (const row of rows) yield archived(row);
      if (rows.length < BATCH) return;
      after = rows[rows.length - 1].id;
    }
  }
}

const archived = (row: ConsentRow): ArchivedConsent => ({
  purpose: row.purpose,
  granted: row.granted,
  policyVersion: row.policyVersion,
  ip: row.ip,
  userAgent: row.userAgent,
  createdAt: row.createdAt,
});
