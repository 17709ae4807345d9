import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { databaseConfig } from '../../config/database.config.js';
import { type PoolStats, setPoolStatsSource } from '../observability/metrics.js';
import { QueryMetricsSubscriber } from './query-observer.js';

const SATURATION_RATIO = 0.8;
const CHECK_EVERY_MS = 5000;

/** Feeds the pool gauge, times every query and warns when the pool runs hot. */
@Injectable()
export class DatabaseObserver implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(new QueryMetricsSubscriber());
    setPoolStatsSource(() => this.poolStats());
    this.timer = setInterval(() => this.warnIfSaturated(), CHECK_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    setPoolStatsSource(undefined);
  }

  poolStats(): PoolStats | undefined {
    const pool = (this.dataSource.driver as { master?: PgPool }).master;
    if (!this.dataSource.isInitialized || !pool) return undefined;
    return {
      max: this.config.poolSize,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    };
  }

  private warnIfSaturated(): void {
    const stats = this.poolStats();
    if (!stats) return;
    const inUse = stats.total - stats.idle;
    if (inUse > stats.max * SATURATION_RATIO || stats.waiting > 0) {
      this.logger.warn(
        { in_use: inUse, max: stats.max, waiting: stats.waiting },
        'Database pool above 80% of its size',
      );
    }
  }
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
