import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { statsConfig } from '../../config/stats.config.js';

export type StatsInterval = 'hour' | 'day';

/** Buckets of one interval in [from, to): `from` and `to` are bucket starts (UTC). */
export interface StatsRange {
  from: Date;
  to: Date;
  interval: StatsInterval;
}

/** One number of the rollup: `metric`/`series` in the bucket starting at `bucket`. */
export interface StatsPoint {
  bucket: Date;
  metric: string;
  series: string;
  value: number;
}

/** A current value (a gauge); the rollup files it under the open hour and day. */
export type StatsSnapshotPoint = Omit<StatsPoint, 'bucket'>;

/**
 * One module's numbers for the stats rollup: the module that owns the data registers it in
 * onModuleInit (`sources.register(this)`) and answers with its own index-backed queries, so the
 * stats module never reads another module's tables.
 */
export interface StatsSource {
  /** e.g. 'auth'; unique. */
  readonly name: string;
  /** Metrics `counters` answers: the rollup replaces exactly these in the buckets it recomputes. */
  readonly counterMetrics: readonly string[];
  /** Metrics `snapshot` answers (replaced in the open bucket on every run). */
  readonly snapshotMetrics: readonly string[];
  /** Counts per bucket of the range; buckets without activity may be left out. */
  counters(range: StatsRange): Promise<StatsPoint[]>;
  /** Values as of now (totals, top lists). */
  snapshot(): Promise<StatsSnapshotPoint[]>;
}

/** The registered stats sources; each call is timed and logged at WARN when slow. */
@Injectable()
export class StatsSources {
  private readonly logger = new Logger('Stats');
  private readonly sources = new Map<string, StatsSource>();

  constructor(@Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>) {}

  register(source: StatsSource): void {
    if (this.sources.has(source.name)) {
      throw new Error(`A stats source '${source.name}' is registered`);
    }
    this.sources.set(source.name, source);
  }

  /** By name, so the rollup's order does not depend on the order modules start in. */
  all(): StatsSource[] {
    return [...this.sources.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  counters(source: StatsSource, range: StatsRange): Promise<StatsPoint[]> {
    return this.timed(`${source.name}.counters`, rangeParams(range), () => source.counters(range));
  }

  snapshot(source: StatsSource): Promise<StatsSnapshotPoint[]> {
    return this.timed(`${source.name}.snapshot`, {}, () => source.snapshot());
  }

  /** Runs one stats query; over STATS_SLOW_QUERY_MS it is logged at WARN with its parameters. */
  async timed<T>(query: string, params: object, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      const durationMs = Math.round(performance.now() - started);
      if (durationMs > this.config.slowQueryMs) {
        this.logger.warn({ query, params, duration_ms: durationMs }, 'Slow stats query');
      }
    }
  }
}

const rangeParams = ({ from, to, interval }: StatsRange) => ({
  from: from.toISOString(),
  to: to.toISOString(),
  interval,
});
