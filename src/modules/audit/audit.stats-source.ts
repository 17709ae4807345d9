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
import { AuditLogEntity } from './audit-log.entity.js';

const SIGN_IN_ACTIONS = { 'auth.login.succeeded': 'succeeded', 'auth.login.failed': 'failed' };

/** Sign-ins per bucket from the audit log, through audit_log_action_idx (action, occurred_at). */
@Injectable()
export class AuditStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'audit';
  readonly counterMetrics = ['sign_ins'];
  readonly snapshotMetrics = [];

  constructor(
    @InjectRepository(AuditLogEntity) private readonly entries: Repository<AuditLogEntity>,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const points: StatsPoint[] = [];
    // One index range per action (an IN list would sort both ranges together).
    for (const [action, series] of Object.entries(SIGN_IN_ACTIONS)) {
      const rows: Array<{ bucket: Date; count: string }> = await this.entries.query(
        `SELECT date_trunc($4, occurred_at, 'UTC') AS bucket, count(*) AS count
         FROM audit_log WHERE action = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1`,
        [action, from, to, interval],
      );
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
