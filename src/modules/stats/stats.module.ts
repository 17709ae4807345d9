import { Module } from '@nestjs/common';
import { ActivityStatsSource } from './activity.stats-source.js';
import { ProcessMetricsSampler } from './process-metrics.sampler.js';
import { QueuesStatsSource } from './queues.stats-source.js';
import { StatsController } from './stats.controller.js';
import { StatsRepository } from './stats.repository.js';
import { StatsResolver } from './stats.resolver.js';
import { StatsRollupService } from './stats-rollup.service.js';
import { StatsService } from './stats.service.js';
import { StatsWorker } from './stats.worker.js';
import { UserActivityHook } from './user-activity.hook.js';
import { UserActivityRecorder } from './user-activity.recorder.js';

/**
 * Operator numbers: totals and time series, admin-only. Owning modules register stats sources
 * (core/stats); a scheduled job rolls them up into stats_hourly / stats_daily, every instance
 * adds its sampled request counters, and reads touch only those tables.
 */
@Module({
  controllers: [StatsController],
  providers: [
    StatsRepository,
    StatsService,
    StatsResolver,
    StatsRollupService,
    StatsWorker,
    ActivityStatsSource,
    QueuesStatsSource,
    ProcessMetricsSampler,
    UserActivityRecorder,
    UserActivityHook,
  ],
  exports: [StatsService],
})
export class StatsModule {}
