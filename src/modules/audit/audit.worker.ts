import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, UnrecoverableError } from 'bullmq';
import { stat } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import { appConfig } from '../../config/app.config.js';
import { writeExportFile } from '../../core/exports/export-writes.js';
import { AppWorker, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { csvRow } from './audit-csv.js';
import {
  AUDIT_EXPORT_JOB,
  AUDIT_QUEUE,
  AUDIT_RETENTION_JOB,
  AuditExportService,
} from './audit-export.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import {
  EXPORTS_EXPIRE_JOB,
  EXPORTS_EXPIRY_PATTERN,
  EXPORTS_EXPIRY_SCHEDULER_ID,
  ExportExpiryService,
} from './export-expiry.service.js';
import { filterConditions } from './audit.service.js';
import type { AuditLogFilter } from './dto/audit.dto.js';
import type { ExportFormat } from './dto/audit-export.dto.js';

export const RETENTION_SCHEDULER_ID = 'audit-retention-daily';
/** Every day at 03:47 UTC. */
export const RETENTION_PATTERN = '47 3 * * *';
export const EXPORT_BATCH_SIZE = 1000;

const COLUMNS = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_type',
  'action',
  'entity_type',
  'entity_id',
  'old_values',
  'new_values',
  'ip',
  'user_agent',
  'request_id',
  'status',
  'description',
] as const;

type AuditJob = { format?: ExportFormat; filter?: AuditLogFilter };
type AuditResult =
  | { deleted: number }
  | { expired: number }
  | { downloadPath: string; rows: number; bytes: number; expiresAt: string };
type Row = Record<string, unknown> & { id: string };

/**
 * The `audit` queue: exports on demand, the daily retention run and the daily expiry of export
 * files, GDPR archives included (worker processes only).
 */
@QueueWorker(AUDIT_QUEUE)
export class AuditWorker
  extends AppWorker<AuditJob, AuditResult>
  implements OnApplicationBootstrap
{
  constructor(
    private readonly retention: AuditRetentionService,
    private readonly exports: AuditExportService,
    private readonly expiry: ExportExpiryService,
    private readonly jobs: JobsService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.app.runsWorkers) return;
    await this.jobs.schedule(
      AUDIT_QUEUE,
      RETENTION_SCHEDULER_ID,
      RETENTION_PATTERN,
      AUDIT_RETENTION_JOB,
    );
    await this.jobs.schedule(
      AUDIT_QUEUE,
      EXPORTS_EXPIRY_SCHEDULER_ID,
      EXPORTS_EXPIRY_PATTERN,
      EXPORTS_EXPIRE_JOB,
    );
  }

  async handle(payload: AuditJob, job: Job<JobEnvelope<AuditJob>>): Promise<AuditResult> {
    if (job.name === AUDIT_RETENTION_JOB) {
      return { deleted: await this.retention.deleteExpired() };
    }
    if (job.name === EXPORTS_EXPIRE_JOB) {
      return { expired: await this.expiry.deleteExpired() };
    }
    const owner = job.data.meta?.userId;
    if (job.name === AUDIT_EXPORT_JOB && job.id && owner) {
      return this.export(owner, job, payload.format === 'csv' ? 'csv' : 'json', payload.filter);
    }
    throw new UnrecoverableError(`Unknown audit job ${job.name}`);
  }

  private async export(
    owner: string,
    job: Job<JobEnvelope<AuditJob>>,
    format: ExportFormat,
    filter: AuditLogFilter = {},
  ): Promise<AuditResult> {
    const jobId = job.id as string;
    const path = this.exports.file(owner, jobId, format);
    const counter = { rows: 0 };
    await writeExportFile(path, this.render(format, filter, job, counter));
    await job.updateProgress(100);
    const info = await stat(path);
    return {
      downloadPath: `/api/v1/audit-logs/exports/${jobId}/download`,
      rows: counter.rows,
      bytes: info.size,
      expiresAt: this.exports.expiresAt(info.mtimeMs).toISOString(),
    };
  }

  private async *render(
    format: ExportFormat,
    filter: AuditLogFilter,
    job: Job,
    counter: { rows: number },
  ): AsyncGenerator<string> {
    const countParams: unknown[] = [];
    const countWhere = filterConditions(filter, (v) => `$${countParams.push(v)}`);
    const [{ n }]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE ${countWhere.join(' AND ')}`,
      countParams,
    );
    yield format === 'csv' ? csvRow([...COLUMNS]) : '[';
    let after: string | undefined;
    for (;;) {
      const params: unknown[] = [];
      const param = (v: unknown) => `$${params.push(v)}`;
      const where = filterConditions(filter, param);
      if (after) where.push(`a.id > ${param(after)}::bigint`);
      // ORDER BY names the table's bigint column: a bare `id` would be the text alias of the
      // select list, sorting '10000' before '9999' and breaking the keyset (rows lost and repeated).
      const rows: Row[] = await this.db.query(
        `SELECT a.id::text AS id, ${COLUMNS.slice(1).join(', ')} FROM audit_log a
         WHERE ${where.join(' AND ')} ORDER BY a.id LIMIT ${param(EXPORT_BATCH_SIZE)}`,
        params,
      );
      for (const row of rows) {
        if (format === 'csv') {
          yield csvRow(COLUMNS.map((c) => row[c]));
        } else {
          yield `${counter.rows === 0 ? '' : ','}\n${JSON.stringify(row)}`;
        }
        counter.rows++;
      }
      if (rows.length < EXPORT_BATCH_SIZE) break;
      after = rows[rows.length - 1].id;
      if (n > 0) await job.updateProgress(Math.min(99, Math.floor((counter.rows / n) * 100)));
    }
    if (format === 'json') yield '\n]\n';
  }
}
