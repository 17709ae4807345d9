import type { QueueJobCounts } from '../../core/queue/jobs.service.js';
import type { StatsPeriod } from './dto/stats-inputs.js';
import type { StatsRouteGroupDto, SystemStatsDto } from './dto/system-stats.dto.js';
import { p95Ms, parseLe } from './http-metrics.js';
import type { SumRow } from './stats.repository.js';

const CHANNELS = ['in_app', 'email', 'realtime'] as const;
const ACTIVE_BY_PERIOD: Record<StatsPeriod, 'dau' | 'wau' | 'mau'> = {
  day: 'dau',
  week: 'wau',
  month: 'mau',
};

export interface SystemStatsInput {
  period: StatsPeriod;
  from: Date;
  to: Date;
  /** Counter totals over the period. */
  sums: SumRow[];
  /** The latest value of each gauge. */
  gauges: SumRow[];
  queues: QueueJobCounts[];
}

/** Builds the SystemStats answer from the rollup's totals, latest gauges and live queue counts. */
export function toSystemStats({
  period,
  from,
  to,
  sums,
  gauges,
  queues,
}: SystemStatsInput): SystemStatsDto {
  const value = (rows: SumRow[], metric: string, series: string): number =>
    rows.find((row) => row.metric === metric && row.series === series)?.value ?? 0;
  const sum = (metric: string, series: string) => value(sums, metric, series);
  const gauge = (metric: string, series: string) => value(gauges, metric, series);
  const registrations = sum('users.new', 'count');
  const activity = {
    dau: gauge('activity', 'dau'),
    wau: gauge('activity', 'wau'),
    mau: gauge('activity', 'mau'),
  };
  return {
    period,
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: new Date().toISOString(),
    users: {
      total: gauge('users.total', 'count'),
      new: registrations,
      active: activity[ACTIVE_BY_PERIOD[period]],
      banned: gauge('users.banned', 'count'),
      unverified: gauge('users.unverified', 'count'),
      ...activity,
    },
    signIns: { succeeded: sum('sign_ins', 'succeeded'), failed: sum('sign_ins', 'failed') },
    registrations,
    files: {
      uploads: sum('uploads', 'files'),
      storageBytes: gauge('storage', 'bytes'),
      topUsers: gauges
        .filter((row) => row.metric === 'storage.top_bytes')
        .map((row) => ({
          userId: row.series,
          bytes: row.value,
          files: gauge('storage.top_files', row.series),
        }))
        .sort((a, b) => b.bytes - a.bytes || a.userId.localeCompare(b.userId)),
    },
    notifications: {
      sent: CHANNELS.map((channel) => ({ channel, count: sum('notifications', channel) })),
      read: sum('notifications', 'read'),
    },
    queues: queues.map((queue) => ({
      name: queue.name,
      waiting: queue.waiting,
      active: queue.active,
      delayed: queue.delayed,
      completed: sum('queue.jobs', `${queue.name}|completed`),
      failed: sum('queue.jobs', `${queue.name}|failed`),
    })),
    api: apiStats(sums),
  };
}

function apiStats(sums: SumRow[]): SystemStatsDto['api'] {
  const groups = new Map<string, StatsRouteGroupDto & { buckets: Map<string, number> }>();
  const groupOf = (name: string) => {
    let group = groups.get(name);
    if (!group) {
      group = {
        group: name,
        requests: 0,
        errors4xx: 0,
        errors5xx: 0,
        p95Ms: 0,
        buckets: new Map(),
      };
      groups.set(name, group);
    }
    return group;
  };
  const all = new Map<string, number>();
  for (const row of sums) {
    const [name, detail] = row.series.split('|');
    if (row.metric === 'http.requests') {
      const group = groupOf(name);
      group.requests += row.value;
      if (detail === '4xx') group.errors4xx += row.value;
      if (detail === '5xx') group.errors5xx += row.value;
    } else if (row.metric === 'http.duration') {
      const group = groupOf(name);
      group.buckets.set(detail, (group.buckets.get(detail) ?? 0) + row.value);
      all.set(detail, (all.get(detail) ?? 0) + row.value);
    }
  }
  const p95 = (buckets: Map<string, number>) =>
    p95Ms([...buckets].map(([le, count]) => ({ le: parseLe(le), count })));
  const routeGroups = [...groups.values()]
    .map(({ buckets, ...group }) => ({ ...group, p95Ms: p95(buckets) }))
    .sort((a, b) => b.requests - a.requests || a.group.localeCompare(b.group));
  const requests = routeGroups.reduce((n, g) => n + g.requests, 0);
  const share = (n: number) => (requests === 0 ? 0 : n / requests);
  return {
    requests,
    errorRate5xx: share(routeGroups.reduce((n, g) => n + g.errors5xx, 0)),
    errorRate4xx: share(routeGroups.reduce((n, g) => n + g.errors4xx, 0)),
    p95Ms: p95(all),
    routeGroups,
  };
}
