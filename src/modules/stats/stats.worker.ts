import { Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { type Job, UnrecoverableError } from 'bullmq';
import { statsConfig } from '../../config/stats.config.js';
import { AppWorker, type JobSchedule, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { type RollupResult, StatsRollupService } from './stats-rollup.service.js';
import {
  rollupPattern,
  STATS_QUEUE,
  STATS_ROLLUP_JOB,
  STATS_ROLLUP_SCHEDULER_ID,
} from './stats.jobs.js';

/** The `stats` queue: the rollup, every STATS_ROLLUP_MINUTES (worker processes). */
@QueueWorker(STATS_QUEUE)
export class StatsWorker extends AppWorker<unknown, RollupResult> {
  constructor(
    private readonly rollup: StatsRollupService,
    @Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>,
  ) {
    super();
  }

  override schedules(): JobSchedule[] {
    return [
      {
        id: STATS_ROLLUP_SCHEDULER_ID,
        pattern: rollupPattern(this.config.rollupMinutes),
        job: STATS_ROLLUP_JOB,
      },
    ];
  }

  handle(_payload: unknown, job: Job<JobEnvelope<unknown>>): Promise<RollupResult> {
    if (job.name === STATS_ROLLUP_JOB) return this.rollup.run();
    throw new UnrecoverableError(`Unknown stats job ${job.name}`);
  }
}
