import { Injectable } from '@nestjs/common';
import type { ReadStream } from 'node:fs';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { ExportsService } from '../../core/exports/exports.service.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { csvRow } from './audit-csv.js';
import { AUDIT_EXPORT_JOB, AUDIT_QUEUE, type AuditExportPayload } from './audit.jobs.js';
import { AuditRepository, EXPORT_COLUMNS } from './audit.repository.js';
import type { AuditLogFilter } from './dto/audit.dto.js';
import type { AuditLogExportInput, ExportFormat } from './dto/audit-export.dto.js';

export const EXPORT_BATCH_SIZE = 1000;

export interface AuditExportResult {
  downloadPath: string;
  rows: number;
  bytes: number;
  expiresAt: string;
}

const formatOf = (payload: AuditExportPayload): ExportFormat =>
  payload.format === 'csv' ? 'csv' : 'json';

/** Audit log exports: queued, written as CSV or JSON, served to their requester only. */
@Injectable()
export class AuditExportService {
  constructor(
    private readonly jobs: JobsService,
    private readonly exports: ExportsService,
    private readonly repo: AuditRepository,
  ) {}

  request(actor: AuthUser, input: AuditLogExportInput): Promise<{ jobId: string }> {
    return this.jobs.enqueue<AuditExportPayload>(
      AUDIT_QUEUE,
      AUDIT_EXPORT_JOB,
      { format: input.format, filter: { ...(input.filter ?? {}) } },
      { ownerId: actor.id },
    );
  }

  async open(
    actor: AuthUser,
    jobId: string,
  ): Promise<{ stream: ReadStream; filename: string; size: number; type: string }> {
    const file = await this.exports.open<AuditExportPayload>(
      actor.id,
      { queue: AUDIT_QUEUE, name: AUDIT_EXPORT_JOB, id: jobId },
      (payload) => this.file(actor.id, jobId, formatOf(payload)),
    );
    const format = formatOf(file.payload);
    return {
      stream: file.stream,
      filename: `audit-export-${jobId}.${format}`,
      size: file.size,
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    };
  }

  /** Writes the export of job `jobId` for `owner`, reporting progress in percent. */
  async write(
    owner: string,
    jobId: string,
    payload: AuditExportPayload,
    progress: (percent: number) => Promise<void>,
  ): Promise<AuditExportResult> {
    const format = formatOf(payload);
    const counter = { rows: 0 };
    const chunks = this.render(format, payload.filter ?? {}, counter, progress);
    const written = await this.exports.write(this.file(owner, jobId, format), chunks);
    await progress(100);
    return {
      downloadPath: `/api/v1/audit-logs/exports/${jobId}/download`,
      rows: counter.rows,
      bytes: written.bytes,
      expiresAt: written.expiresAt.toISOString(),
    };
  }

  private file(owner: string, jobId: string, format: ExportFormat): string {
    return this.exports.file('audit', owner, `${jobId}.${format}`);
  }

  private async *render(
    format: ExportFormat,
    filter: AuditLogFilter,
    counter: { rows: number },
    progress: (percent: number) => Promise<void>,
  ): AsyncGenerator<string> {
    const total = await this.repo.countMatching(filter);
    yield format === 'csv' ? csvRow([...EXPORT_COLUMNS]) : '[';
    let after = '0';
    for (;;) {
      const rows = await this.repo.exportBatch(filter, after, EXPORT_BATCH_SIZE);
      for (const row of rows) {
        if (format === 'csv') {
          yield csvRow(EXPORT_COLUMNS.map((c) => row[c]));
        } else {
          yield `${counter.rows === 0 ? '' : ','}\n${JSON.stringify(row)}`;
        }
        counter.rows++;
      }
      if (rows.length < EXPORT_BATCH_SIZE) break;
      after = rows[rows.length - 1].id;
      if (total > 0) await progress(Math.min(99, Math.floor((counter.rows / total) * 100)));
    }
    if (format === 'json') yield '\n]\n';
  }
}
