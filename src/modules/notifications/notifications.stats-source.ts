import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { NotificationsRepository } from './notifications.repository.js';

/**
 * Notifications sent per channel (by created_at: notifications_retention) and read (by read_at:
 * notifications_read_at_idx), for the stats rollup. A mail counts once mailed (emailed_at set)
 * in the bucket its notification was created in.
 */
@Injectable()
export class NotificationsStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'notifications';
  readonly counterMetrics = ['notifications'];
  readonly snapshotMetrics = [];

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const sent = await this.notifications.sentByBucket(from, to, interval);
    const read = await this.notifications.readByBucket(from, to, interval);
    const point = (bucket: Date, series: string, value: string): StatsPoint => ({
      bucket,
      metric: 'notifications',
      series,
      value: Number(value),
    });
    return [
      ...sent.flatMap((row) => [
        point(row.bucket, 'in_app', row.in_app),
        point(row.bucket, 'email', row.email),
        point(row.bucket, 'realtime', row.realtime),
      ]),
      ...read.map((row) => point(row.bucket, 'read', row.count)),
    ];
  }

  snapshot(): Promise<StatsSnapshotPoint[]> {
    return Promise.resolve([]);
  }
}
