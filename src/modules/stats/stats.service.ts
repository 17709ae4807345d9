import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { statsConfig } from '../../config/stats.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { type StatsInterval, StatsSources } from '../../core/stats/stats-source.js';
import { p95Ms, parseLe } from './http-metrics.js';
import type { StatsPeriodArgs, StatsPeriod, StatsTimeseriesInput } from './dto/stats-inputs.js';
import type { StatsMetricDto, StatsTimeseriesDto } from './dto/stats-timeseries.dto.js';
import type { SystemStatsDto } from './dto/system-stats.dto.js';
import { StatsCache } from './stats-cache.js';
import { STATS_METRICS, type StatsMetricSpec, statsMetric } from './stats-metrics.js';
import { INTERVAL_MS, type SeriesRow, StatsRepository, truncate } from './stats.repository.js';
import { toSystemStats } from './system-stats.js';

export const MAX_POINTS = 400;
const HOURLY_WINDOW_MS = 48 * INTERVAL_MS.hour;
const PERIOD_BUCKETS: Record<StatsPeriod, { interval: StatsInterval; buckets: number }> = {
  day: { interval: 'hour', buckets: 24 },
  week: { interval: 'day', buckets: 7 },
  month: { interval: 'day', buckets: 30 },
};
const COUNTER_METRICS = [
  'users.new',
  'sign_ins',
  'uploads',
  'notifications',
  'queue.jobs',
  'http.requests',
  'http.duration',
];
const HOURLY_GAUGES = [
  'users.total',
  'users.banned',
  'users.unverified',
  'storage',
  'storage.top_bytes',
  'storage.top_files',
];

const invalid = (field: string, message: string): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field, message }],
  });

/**
 * The operator's numbers, read from the rollup tables (never from other modules' tables) plus
 * the live queue counts; answers are cached per instance and shared by concurrent callers.
 */
@Injectable()
export class StatsService {
  private readonly cache: StatsCache;

  constructor(
    private readonly stats: StatsRepository,
    private readonly sources: StatsSources,
    private readonly jobs: JobsService,
    @Inject(statsConfig.KEY) config: ConfigType<typeof statsConfig>,
  ) {
    this.cache = new StatsCache(config.cacheSeconds * 1000);
  }

  systemStats(_actor: AuthUser, { period = 'day' }: StatsPeriodArgs): Promise<SystemStatsDto> {
    return this.cache.get(`system:${period}`, () => this.computeSystemStats(period));
  }

  timeseries(_actor: AuthUser, input: StatsTimeseriesInput): Promise<StatsTimeseriesDto> {
    const { spec, interval, start, to } = this.checkRange(input);
    const key = `series:${spec.name}:${interval}:${start.toISOString()}:${to.toISOString()}`;
    return this.cache.get(key, () => this.computeTimeseries(spec, interval, start, to));
  }

  metrics(_actor: AuthUser): StatsMetricDto[] {
    return STATS_METRICS.map(({ name, description, series, intervals }) => ({
      name,
      description,
      series: series.map((s) => s.name),
      intervals: [...intervals],
    }));
  }

  /** Drops cached answers (tests, and after a manual rollup). */
  clearCache(): void {
    this.cache.clear();
  }

  private async computeSystemStats(period: StatsPeriod): Promise<SystemStatsDto> {
    const now = new Date();
    const { interval, buckets } = PERIOD_BUCKETS[period];
    const step = INTERVAL_MS[interval];
    const open = truncate(now, interval);
    const from = new Date(open.getTime() - (buckets - 1) * step);
    const end = new Date(open.getTime() + step);
    const params = { period, from: from.toISOString(), to: end.toISOString() };
    const [sums, gauges, activity, queues] = await Promise.all([
      this.sources.timed('stats.sums', params, () =>
        this.stats.sums(interval, COUNTER_METRICS, from, end),
      ),
      this.sources.timed('stats.latest', { metrics: HOURLY_GAUGES }, () =>
        this.stats.latest('hour', HOURLY_GAUGES),
      ),
      this.sources.timed('stats.latest', { metrics: ['activity'] }, () =>
        this.stats.latest('day', ['activity']),
      ),
      this.jobs.jobCounts(),
    ]);
    return toSystemStats({ period, from, to: now, sums, gauges: [...gauges, ...activity], queues });
  }

  private checkRange(input: StatsTimeseriesInput) {
    const spec = statsMetric(input.metric);
    if (!spec)
      throw invalid(
        'metric',
        `metric must be one of ${STATS_METRICS.map((m) => m.name).join(', ')}`,
      );
    const interval = input.interval ?? 'day';
    if (!spec.intervals.includes(interval)) {
      throw invalid('interval', `${spec.name} has ${spec.intervals.join(' and ')} buckets only`);
    }
    const from = new Date(input.from);
    const to = new Date(input.to);
    if (from.getTime() >= to.getTime()) throw invalid('from', 'from must be before to');
    const start = truncate(from, interval);
    const points = Math.ceil((to.getTime() - start.getTime()) / INTERVAL_MS[interval]);
    if (points > MAX_POINTS) {
      throw invalid('to', `from..to spans ${points} ${interval} buckets; at most ${MAX_POINTS}`);
    }
    const hourlyFrom = truncate(new Date(Date.now() - HOURLY_WINDOW_MS), 'hour');
    if (interval === 'hour' && start.getTime() < hourlyFrom.getTime()) {
      throw invalid('from', 'hourly series cover the last 48 hours; use interval=day');
    }
    return { spec, interval, start, to };
  }

  private async computeTimeseries(
    spec: StatsMetricSpec,
    interval: StatsInterval,
    start: Date,
    to: Date,
  ): Promise<StatsTimeseriesDto> {
    const step = INTERVAL_MS[interval];
    const timestamps: string[] = [];
    for (let t = start.getTime(); t < to.getTime(); t += step) {
      timestamps.push(new Date(t).toISOString());
    }
    const metrics = [...new Set(spec.series.map((s) => s.metric))];
    const rows = await this.sources.timed(
      'stats.series',
      { metric: spec.name, interval, from: start.toISOString(), to: to.toISOString() },
      () => this.stats.series(interval, metrics, start, to),
    );
    const index = (row: SeriesRow): number =>
      Math.round((row.bucket.getTime() - start.getTime()) / step);
    return {
      metric: spec.name,
      interval,
      from: start.toISOString(),
      to: to.toISOString(),
      timestamps,
      series: spec.series.map((series) => ({
        name: series.name,
        values: valuesOf(
          series,
          rows.filter((row) => row.metric === series.metric),
          index,
          timestamps.length,
        ),
      })),
    };
  }
}

function valuesOf(
  series: StatsMetricSpec['series'][number],
  rows: SeriesRow[],
  index: (row: SeriesRow) => number,
  length: number,
): number[] {
  const values = new Array<number>(length).fill(0);
  const present = new Array<boolean>(length).fill(false);
  const histograms = Array.from({ length }, () => new Map<string, number>());
  for (const row of rows) {
    const at = index(row);
    if (at < 0 || at >= length || !series.matches(row.series)) continue;
    present[at] = true;
    if (series.kind === 'p95') {
      const le = row.series.slice(row.series.lastIndexOf('|') + 1);
      histograms[at].set(le, (histograms[at].get(le) ?? 0) + row.value);
    } else {
      values[at] += row.value;
    }
  }
  if (series.kind === 'p95') return histograms.map((buckets) => p95Of(buckets));
  if (series.kind === 'gauge') {
    for (let i = 1; i < length; i++) if (!present[i]) values[i] = values[i - 1];
  }
  return values;
}

const p95Of = (buckets: Map<string, number>): number =>
  p95Ms([...buckets].map(([le, count]) => ({ le: parseLe(le), count })));
