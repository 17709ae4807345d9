import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { type Job, UnrecoverableError } from 'bullmq';
import { isUUID } from 'class-validator';
import { appConfig } from '../../config/app.config.js';
import { AppWorker, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { AccountService } from './account.service.js';
import {
  ACCOUNTS_QUEUE,
  type AccountExportPayload,
  ANONYMISE_JOB,
  ANONYMISE_PATTERN,
  ANONYMISE_SCHEDULER_ID,
  EXPORT_JOB,
} from './accounts.jobs.js';
import type { AccountExportResult } from './dto/account.inputs.js';

type AccountsResult = AccountExportResult | { anonymised: number };

/**
 * The `accounts` queue: GDPR exports on demand, and the daily anonymisation of accounts deleted
 * longer than the restore window (a BullMQ job scheduler registered at start by worker processes).
 */
@QueueWorker(ACCOUNTS_QUEUE)
export class AccountsWorker
  extends AppWorker<Partial<AccountExportPayload>, AccountsResult>
  implements OnApplicationBootstrap
{
  constructor(
    private readonly accounts: AccountService,
    private readonly jobs: JobsService,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.app.runsWorkers) return;
    await this.jobs.schedule(
      ACCOUNTS_QUEUE,
      ANONYMISE_SCHEDULER_ID,
      ANONYMISE_PATTERN,
      ANONYMISE_JOB,
    );
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
    if (job.name === EXPORT_JOB && typeof payload.userId === 'string' && isUUID(payload.userId)) {
      return this.accounts.writeExport(payload.userId, job.id as string);
    }
    throw new UnrecoverableError(`Unknown accounts job ${job.name}`);
  }
}
