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
import { NotificationEntity } from './notification.entity.js';

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
    @InjectRepository(NotificationEntity)
    private readonly notifications: Repository<NotificationEntity>,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const sent: Array<{ bucket: Date; in_app: string; email: string; realtime: string }> =
      await this.notifications.query(
        `SELECT date_trunc($3, created_at, 'UTC') AS bucket,
           count(*) FILTER (WHERE in_app) AS in_app,
           count(*) FILTER (WHERE email AND emailed_at IS NOT NULL) AS email,
           count(*) FILTER (WHERE realtime) AS realtime
         FROM notifications WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
        [from, to, interval],
      );
    const read: Array<{ bucket: Date; count: string }> = await this.notifications.query(
      `SELECT date_trunc($3, read_at, 'UTC') AS bucket, count(*) AS count
       FROM notifications WHERE read_at >= $1 AND read_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
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
