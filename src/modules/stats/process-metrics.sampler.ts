import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { statsConfig } from '../../config/stats.config.js';
import {
  httpRequestDuration,
  httpRequestsTotal,
  queueJobsTotal,
} from '../../core/observability/metrics.js';
import type { StatsSnapshotPoint } from '../../core/stats/stats-source.js';
import { routeGroupOf, statusClassOf } from './http-metrics.js';
import { StatsRepository } from './stats.repository.js';

const KEY_SEPARATOR = '\u0000';

/**
 * Adds this process's request, latency and job counters to the rollup every STATS_SAMPLE_SECONDS
 * (as deltas, under this instance's id; readers sum the instances). A failed write keeps its
 * deltas for the next sample, so nothing is lost or counted twice.
 */
@Injectable()
export class ProcessMetricsSampler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessMetricsSampler.name);
  /** hostname + pid, and a random part: two apps in one process (tests) are two instances. */
  readonly instance = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private written = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly stats: StatsRepository,
    @Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    // Counts from before this app started are not its own.
    this.written = await current();
    this.timer = setInterval(() => void this.sample(), this.config.sampleMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
  }

  /** Writes what was counted since the last successful sample; one sample at a time. */
  sample(at = new Date()): Promise<void> {
    this.running ??= this.write(at).finally(() => (this.running = undefined));
    return this.running;
  }

  private async write(at: Date): Promise<void> {
    const now = await current();
    const points: StatsSnapshotPoint[] = [];
    for (const [key, value] of now) {
      const delta = value - (this.written.get(key) ?? 0);
      if (delta <= 0) continue;
      const [metric, series] = key.split(KEY_SEPARATOR);
      points.push({ metric, series, value: delta });
    }
    if (points.length === 0) return;
    try {
      await this.stats.addSample(this.instance, at, points);
      this.written = now;
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not write the process metrics sample');
    }
  }
}

/** This process's counters, summed by stored metric and series. */
async function current(): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const add = (metric: string, series: string, value: number): void => {
    const key = `${metric}${KEY_SEPARATOR}${series}`;
    totals.set(key, (totals.get(key) ?? 0) + value);
  };
  for (const { labels, value } of (await httpRequestsTotal.get()).values) {
    const group = routeGroupOf(String(labels.route ?? ''));
    add('http.requests', `${group}|${statusClassOf(String(labels.status ?? ''))}`, value);
  }
  for (const { labels, value, metricName } of (await httpRequestDuration.get()).values) {
    if (!metricName?.endsWith('_bucket')) continue;
    const { route, le } = labels as Record<string, string | number | undefined>;
    add('http.duration', `${routeGroupOf(String(route ?? ''))}|${le}`, value);
  }
  for (const { labels, value } of (await queueJobsTotal.get()).values) {
    if (labels.outcome === 'completed' || labels.outcome === 'failed') {
      add('queue.jobs', `${labels.queue}|${labels.outcome}`, value);
    }
  }
  return totals;
}
