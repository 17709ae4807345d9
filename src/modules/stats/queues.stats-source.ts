import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobsService } from '../../core/queue/jobs.service.js';
import {
  type StatsPoint,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';

/** Queue depth (waiting + delayed jobs per queue) as of each rollup run, from BullMQ. */
@Injectable()
export class QueuesStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'queues';
  readonly counterMetrics = [];
  readonly snapshotMetrics = ['queue.depth'];

  constructor(
    private readonly jobs: JobsService,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  counters(): Promise<StatsPoint[]> {
    return Promise.resolve([]);
  }

  async snapshot(): Promise<StatsSnapshotPoint[]> {
    return (await this.jobs.jobCounts()).map((queue) => ({
      metric: 'queue.depth',
      series: queue.name,
      value: queue.waiting + queue.delayed,
    }));
  }
}
