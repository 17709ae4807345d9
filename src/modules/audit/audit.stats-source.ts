import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { AuditRepository } from './audit.repository.js';

const SIGN_IN_ACTIONS = { 'auth.login.succeeded': 'succeeded', 'auth.login.failed': 'failed' };

/** Sign-ins per bucket from the audit log, through audit_log_action_idx (action, occurred_at). */
@Injectable()
export class AuditStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'audit';
  readonly counterMetrics = ['sign_ins'];
  readonly snapshotMetrics = [];

  constructor(
    private readonly entries: AuditRepository,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const points: StatsPoint[] = [];
    // One index range per action (an IN list would sort both ranges together).
    for (const [action, series] of Object.entries(SIGN_IN_ACTIONS)) {
      const rows = await this.entries.countsByBucket(action, from, to, interval);
      for (const row of rows) {
        points.push({ bucket: row.bucket, metric: 'sign_ins', series, value: Number(row.count) });
      }
    }
    return points;
  }

  snapshot(): Promise<StatsSnapshotPoint[]> {
    return Promise.resolve([]);
  }
}
