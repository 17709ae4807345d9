import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { UserEntity } from './user.entity.js';

/** Registrations per bucket (users_created_at_idx) and the account totals, for the stats rollup. */
@Injectable()
export class AuthStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'auth';
  readonly counterMetrics = ['users.new'];
  readonly snapshotMetrics = ['users.total', 'users.banned', 'users.unverified'];

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const rows: Array<{ bucket: Date; count: string }> = await this.users.query(
      `SELECT date_trunc($3, created_at, 'UTC') AS bucket, count(*) AS count
       FROM users WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
    return rows.map((row) => ({
      bucket: row.bucket,
      metric: 'users.new',
      series: 'count',
      value: Number(row.count),
    }));
  }

  // One pass over the live accounts; run by the rollup job, never on a request.
  async snapshot(): Promise<StatsSnapshotPoint[]> {
    const [row]: Array<{ total: string; banned: string; unverified: string }> =
      await this.users.query(
        `SELECT count(*) AS total,
           count(*) FILTER (WHERE banned_at IS NOT NULL
             AND (banned_until IS NULL OR banned_until > now())) AS banned,
           count(*) FILTER (WHERE email_verified_at IS NULL) AS unverified
         FROM users WHERE deleted_at IS NULL`,
      );
    return [
      { metric: 'users.total', series: 'count', value: Number(row.total) },
      { metric: 'users.banned', series: 'count', value: Number(row.banned) },
      { metric: 'users.unverified', series: 'count', value: Number(row.unverified) },
    ];
  }
}
