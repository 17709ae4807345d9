import { type Job, UnrecoverableError } from 'bullmq';
import { isUUID } from 'class-validator';
import { AppWorker, type JobSchedule, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { AccountService, type PurgeCounts } from './account.service.js';
import {
  ACCOUNTS_QUEUE,
  type AccountExportPayload,
  ANONYMISE_JOB,
  ANONYMISE_PATTERN,
  ANONYMISE_SCHEDULER_ID,
  EXPORT_JOB,
  PURGE_JOB,
  PURGE_PATTERN,
  PURGE_SCHEDULER_ID,
} from './accounts.jobs.js';
import type { AccountExportResult } from './dto/account.inputs.js';

type AccountsResult = AccountExportResult | { anonymised: number } | PurgeCounts;

/**
 * The `accounts` queue: GDPR exports on demand, the daily anonymisation of accounts deleted
 * longer than the restore window and the daily purge of ended sessions and spent tokens (BullMQ
 * job schedulers registered at start by worker processes).
 */
@QueueWorker(ACCOUNTS_QUEUE)
export class AccountsWorker extends AppWorker<Partial<AccountExportPayload>, AccountsResult> {
  constructor(private readonly accounts: AccountService) {
    super();
  }

  override schedules(): JobSchedule[] {
    return [
      { id: ANONYMISE_SCHEDULER_ID, pattern: ANONYMISE_PATTERN, job: ANONYMISE_JOB },
      { id: PURGE_SCHEDULER_ID, pattern: PURGE_PATTERN, job: PURGE_JOB },
    ];
  }

  async handle(
    payload: Partial<AccountExportPayload>,
    job: Job<JobEnvelope<Partial<AccountExportPayload>>>,
  ): Promise<AccountsResult> {
    if (job.name === ANONYMISE_JOB) {
      const ids = await this.accounts.anonymiseExpired();
      if (ids.length > 0) this.logger.log({ count: ids.length }, 'Anonymised deleted accounts');
      return { anonymised: ids.length };
    }
    if (job.name === PURGE_JOB) {
      const counts = await this.accounts.purgeSpent();
      this.logger.log(counts, 'Purged ended sessions, rotated refresh tokens and spent tokens');
      return counts;
    }
    if (job.name === EXPORT_JOB && typeof payload.userId === 'string' && isUUID(payload.userId)) {
      return this.accounts.writeExport(payload.userId, job.id as string);
    }
    throw new UnrecoverableError(`Unknown accounts job ${job.name}`);
  }
}
