import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { type Job, UnrecoverableError } from 'bullmq';
import { appConfig } from '../../config/app.config.js';
import { statsConfig } from '../../config/stats.config.js';
import { AppWorker, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { type RollupResult, StatsRollupService } from './stats-rollup.service.js';
import {
  rollupPattern,
  STATS_QUEUE,
  STATS_ROLLUP_JOB,
  STATS_ROLLUP_SCHEDULER_ID,
} from './stats.jobs.js';

/** The `stats` queue: the rollup, every STATS_ROLLUP_MINUTES (worker processes). */
@QueueWorker(STATS_QUEUE)
export class StatsWorker
  extends AppWorker<unknown, RollupResult>
  implements OnApplicationBootstrap
{
  constructor(
    private readonly rollup: StatsRollupService,
    private readonly jobs: JobsService,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.app.runsWorkers) {
      await this.jobs.schedule(
        STATS_QUEUE,
        STATS_ROLLUP_SCHEDULER_ID,
        rollupPattern(this.config.rollupMinutes),
        STATS_ROLLUP_JOB,
      );
    }
  }

  handle(_payload: unknown, job: Job<JobEnvelope<unknown>>): Promise<RollupResult> {
    if (job.name === STATS_ROLLUP_JOB) return this.rollup.run();
    throw new UnrecoverableError(`Unknown stats job ${job.name}`);
  }
}
