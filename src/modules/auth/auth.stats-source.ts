import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { UsersRepository } from './users.repository.js';

/** Registrations per bucket (users_created_at_idx) and the account totals, for the stats rollup. */
@Injectable()
export class AuthStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'auth';
  readonly counterMetrics = ['users.new'];
  readonly snapshotMetrics = ['users.total', 'users.banned', 'users.unverified'];

  constructor(
    private readonly users: UsersRepository,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const rows = await this.users.createdByBucket(from, to, interval);
    return rows.map((row) => ({
      bucket: row.bucket,
      metric: 'users.new',
      series: 'count',
      value: Number(row.count),
    }));
  }

  // One pass over the live accounts; run by the rollup job, never on a request.
  async snapshot(): Promise<StatsSnapshotPoint[]> {
    const row = await this.users.accountTotals();
    return [
      { metric: 'users.total', series: 'count', value: Number(row.total) },
      { metric: 'users.banned', series: 'count', value: Number(row.banned) },
      { metric: 'users.unverified', series: 'count', value: Number(row.unverified) },
    ];
  }
}
