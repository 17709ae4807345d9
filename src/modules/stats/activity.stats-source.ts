import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { StatsRepository } from './stats.repository.js';

/** DAU / WAU / MAU per day from user_daily_activity (the stats module's own table). */
@Injectable()
export class ActivityStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'activity';
  readonly counterMetrics = ['activity'];
  readonly snapshotMetrics = [];

  constructor(
    private readonly stats: StatsRepository,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    return interval === 'day' ? this.stats.activeUsers(from, to) : Promise.resolve([]);
  }

  snapshot(): Promise<StatsSnapshotPoint[]> {
    return Promise.resolve([]);
  }
}
