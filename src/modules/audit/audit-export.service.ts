import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createReadStream, type ReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportsConfig } from '../../config/exports.config.js';
import { exportExpiresAt, liveExportFile } from '../../core/exports/export-files.js';
import { assertExportCompleted } from '../../core/exports/export-writes.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import type { AuditLogExportInput, ExportFormat } from './dto/audit-export.dto.js';

export const AUDIT_QUEUE = 'audit';
export const AUDIT_EXPORT_JOB = 'audit-export';
export const AUDIT_RETENTION_JOB = 'audit-retention';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Queues audit log exports and serves the finished file to its requester only. */
@Injectable()
export class AuditExportService {
  constructor(
    private readonly jobs: JobsService,
    @Inject(exportsConfig.KEY) private readonly config: ConfigType<typeof exportsConfig>,
  ) {}

  request(actor: AuthUser, input: AuditLogExportInput): Promise<{ jobId: string }> {
    return this.jobs.enqueue(
      AUDIT_QUEUE,
      AUDIT_EXPORT_JOB,
      { format: input.format, filter: { ...(input.filter ?? {}) } },
      { ownerId: actor.id },
    );
  }

  file(userId: string, jobId: string, format: ExportFormat): string {
    return join(resolve(this.config.dir), 'audit', userId, `${jobId}.${format}`);
  }

  /** When an export written at `mtimeMs` expires (EXPORT_TTL_HOURS later). */
  expiresAt(mtimeMs: number): Date {
    return exportExpiresAt(mtimeMs, this.config.ttlHours);
  }

  async open(
    actor: AuthUser,
    jobId: string,
  ): Promise<{ stream: ReadStream; filename: string; size: number; type: string }> {
    const notFound = () => new AppException('NOT_FOUND', 'Export not found');
    if (!UUID.test(jobId)) throw notFound();
    const job = await this.jobs.queue(AUDIT_QUEUE).getJob(jobId);
    const data = job?.data as JobEnvelope<{ format?: ExportFormat }> | undefined;
    if (!job || job.name !== AUDIT_EXPORT_JOB || data?.meta?.userId !== actor.id) throw notFound();
    assertExportCompleted(await job.getState());
    const format = data.payload.format === 'csv' ? 'csv' : 'json';
    const path = this.file(actor.id, jobId, format);
    const info = await liveExportFile(path, this.config.ttlHours);
    if (!info) throw notFound();
    return {
      stream: createReadStream(path),
      filename: `audit-export-${jobId}.${format}`,
      size: info.size,
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    };
  }
}
