import { type Job, UnrecoverableError } from 'bullmq';
import { ExportsService } from '../../core/exports/exports.service.js';
import { AppWorker, type JobSchedule, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { type AuditExportResult, AuditExportService } from './audit-export.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import {
  AUDIT_EXPORT_JOB,
  AUDIT_QUEUE,
  AUDIT_RETENTION_JOB,
  type AuditExportPayload,
  EXPORTS_EXPIRE_JOB,
  EXPORTS_EXPIRY_PATTERN,
  EXPORTS_EXPIRY_SCHEDULER_ID,
  RETENTION_PATTERN,
  RETENTION_SCHEDULER_ID,
} from './audit.jobs.js';

type AuditResult = { deleted: number } | { expired: number } | AuditExportResult;

/**
 * The `audit` queue: exports on demand, the daily retention run and the daily expiry of export
 * files, GDPR archives included (worker processes only).
 */
@QueueWorker(AUDIT_QUEUE)
export class AuditWorker extends AppWorker<AuditExportPayload, AuditResult> {
  constructor(
    private readonly retention: AuditRetentionService,
    private readonly auditExports: AuditExportService,
    private readonly exports: ExportsService,
  ) {
    super();
  }

  override schedules(): JobSchedule[] {
    return [
      { id: RETENTION_SCHEDULER_ID, pattern: RETENTION_PATTERN, job: AUDIT_RETENTION_JOB },
      { id: EXPORTS_EXPIRY_SCHEDULER_ID, pattern: EXPORTS_EXPIRY_PATTERN, job: EXPORTS_EXPIRE_JOB },
    ];
  }

  async handle(
    payload: AuditExportPayload,
    job: Job<JobEnvelope<AuditExportPayload>>,
  ): Promise<AuditResult> {
    if (job.name === AUDIT_RETENTION_JOB) return { deleted: await this.retention.deleteExpired() };
    if (job.name === EXPORTS_EXPIRE_JOB) return { expired: await this.exports.expire() };
    const owner = job.data.meta?.userId;
    if (job.name === AUDIT_EXPORT_JOB && job.id && owner) {
      return this.auditExports.write(owner, job.id, payload, (p) => job.updateProgress(p));
    }
    throw new UnrecoverableError(`Unknown audit job ${job.name}`);
  }
}
