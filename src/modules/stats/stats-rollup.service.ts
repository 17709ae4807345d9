import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { statsConfig } from '../../config/stats.config.js';
import {
  type StatsInterval,
  type StatsPoint,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { INTERVAL_MS, StatsRepository, truncate } from './stats.repository.js';

/** Hourly rows are served for the last 48 h; a week of them is kept. */
const HOURLY_BACKFILL_MS = 48 * INTERVAL_MS.hour;
const HOURLY_KEEP_MS = 7 * INTERVAL_MS.day;

export interface RollupResult {
  /** Per interval: the buckets recomputed, [from, to), and where the next run starts. */
  hour: { from: string; to: string; watermark: string };
  day: { from: string; to: string; watermark: string };
}

/**
 * Rolls the sources' numbers up into stats_hourly / stats_daily from a watermark: every bucket
 * from the watermark to the open one is recomputed and replaced (so a run is idempotent), at
 * most STATS_ROLLUP_MAX_BUCKETS per run (so catching up after downtime is bounded), and the
 * watermark stops at the open bucket, which the next run recomputes.
 */
@Injectable()
export class StatsRollupService {
  private readonly logger = new Logger(StatsRollupService.name);

  constructor(
    private readonly sources: StatsSources,
    private readonly stats: StatsRepository,
    @Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>,
  ) {}

  async run(now = new Date()): Promise<RollupResult> {
    const hour = await this.rollup('hour', now);
    const day = await this.rollup('day', now);
    await this.stats.pruneHourly(new Date(now.getTime() - HOURLY_KEEP_MS));
    return { hour, day };
  }

  private rollup(interval: StatsInterval, now: Date): Promise<RollupResult['hour']> {
    const step = INTERVAL_MS[interval];
    const open = truncate(now, interval);
    const backfill =
      interval === 'hour' ? HOURLY_BACKFILL_MS : this.config.backfillDays * INTERVAL_MS.day;
    const name = `rollup.${interval}`;
    return this.stats.inRollup(interval, async (tx) => {
      const from =
        (await this.stats.watermark(tx, name)) ??
        truncate(new Date(now.getTime() - backfill), interval);
      const to = new Date(
        Math.min(from.getTime() + this.config.rollupMaxBuckets * step, open.getTime() + step),
      );
      const range = { from, to, interval };
      for (const source of this.sources.all()) {
        if (source.counterMetrics.length === 0) continue;
        const points = await this.sources.counters(source, range);
        await this.stats.replace(tx, interval, source.counterMetrics, from, to, nonZero(points));
      }
      if (to.getTime() > open.getTime()) {
        // Caught up: the gauges of now go into the open bucket.
        for (const source of this.sources.all()) {
          if (source.snapshotMetrics.length === 0) continue;
          const points = (await this.sources.snapshot(source)).map((p) => ({ ...p, bucket: open }));
          await this.stats.replace(tx, interval, source.snapshotMetrics, open, to, points);
        }
      }
      const watermark = new Date(Math.min(to.getTime(), open.getTime()));
      await this.stats.setWatermark(tx, name, watermark);
      const result = {
        from: from.toISOString(),
        to: to.toISOString(),
        watermark: watermark.toISOString(),
      };
      this.logger.debug({ interval, ...result }, 'Stats rolled up');
      return result;
    });
  }
}

// A missing bucket reads as zero: storing zeros would only grow the table.
const nonZero = (points: StatsPoint[]): StatsPoint[] => points.filter((p) => p.value !== 0);
