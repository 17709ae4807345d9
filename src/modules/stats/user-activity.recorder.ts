import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { statsConfig } from '../../config/stats.config.js';
import { StatsRepository } from './stats.repository.js';

const BATCH = 500;
const DAY_MS = 86_400_000;
/** Past this many users seen today, the set starts over: memory stays bounded, the insert stays idempotent. */
const MAX_SEEN = 200_000;

/**
 * Records each user at most once per day and instance: an in-memory "seen today" set in front of
 * batched `INSERT … ON CONFLICT DO NOTHING`. `seen` never waits on the database.
 */
@Injectable()
export class UserActivityRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(UserActivityRecorder.name);
  private day = '';
  private dayStartsAt = Number.NaN;
  private seenToday = new Set<string>();
  private pending: Array<{ day: string; userId: string }> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stats: StatsRepository,
    @Inject(statsConfig.KEY) private readonly config: ConfigType<typeof statsConfig>,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.activityFlushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** `at` in ms since the epoch. Once per authenticated request, so the day's text is kept. */
  seen(userId: string, at = Date.now()): void {
    if (!(at >= this.dayStartsAt && at < this.dayStartsAt + DAY_MS)) this.startDay(at);
    if (this.seenToday.size >= MAX_SEEN) this.seenToday = new Set();
    if (this.seenToday.has(userId)) return;
    this.seenToday.add(userId);
    this.pending.push({ day: this.day, userId });
    if (this.pending.length >= BATCH) void this.flush();
  }

  private startDay(at: number): void {
    this.dayStartsAt = at - (at % DAY_MS);
    this.day = new Date(this.dayStartsAt).toISOString().slice(0, 10);
    this.seenToday = new Set();
  }

  /** Writes the users seen since the last flush; on failure they are kept for the next one. */
  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await this.stats.recordActivity(batch);
    } catch (error) {
      this.pending.push(...batch);
      this.logger.warn({ err: error, users: batch.length }, 'Could not record user activity');
    }
  }
}
