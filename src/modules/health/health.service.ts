import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  DiskHealthIndicator,
  HealthCheckService,
  type HealthCheckResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { getHeapStatistics } from 'node:v8';
import { appConfig } from '../../config/app.config.js';
import { healthConfig } from '../../config/health.config.js';
import { queueConfig } from '../../config/queue.config.js';
import { DatabaseObserver } from '../../core/database/database.observer.js';
import { ShutdownState } from '../../core/lifecycle/shutdown.state.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { DependencyPolicies } from '../../core/resilience/dependency-policies.js';
import { QUEUE_NAMES } from '../../core/queue/queue-names.js';
import { STORAGE_DRIVER, type StorageDriver } from '../files/storage/storage.driver.js';

export interface ProbeAnswer {
  httpStatus: 200 | 503;
  body: HealthCheckResult | Record<string, unknown>;
}

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly jobs: JobsService,
    private readonly pool: DatabaseObserver,
    private readonly shutdown: ShutdownState,
    @Inject(healthConfig.KEY) private readonly config: ConfigType<typeof healthConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly policies: DependencyPolicies,
  ) {}

  /** Database, queue backend, file storage, disk and heap; 503 naming each failing check, or when shutting down. */
  async readiness(): Promise<ProbeAnswer> {
    if (this.shutdown.shuttingDown) {
      return {
        httpStatus: 503,
        body: {
          status: 'error',
          error: { shutdown: { status: 'down', message: 'shutting down' } },
        },
      };
    }
    return this.run();
  }

  /** Every check with its latency, plus pool stats, uptime and version (admins only). */
  async details(): Promise<Record<string, unknown>> {
    const { httpStatus, body } = await this.run();
    return {
      ...body,
      httpStatus,
      version: this.app.version,
      uptimeSeconds: Math.round(process.uptime()),
      environment: this.app.env,
      role: this.app.role,
      queueBackend: this.queue.backend,
      pool: this.pool.poolStats() ?? null,
      dependencies: this.policies.states(),
      memory: process.memoryUsage(),
    };
  }

  private async run(): Promise<ProbeAnswer> {
    const timeout = this.config.checkTimeoutMs;
    const heapLimit = getHeapStatistics().heap_size_limit;
    try {
      const body = await this.health.check([
        () => this.db.pingCheck('database', { timeout }),
        () =>
          this.indicators
            .check('queue')
            .attempt(async () => {
              await this.jobs.queue(QUEUE_NAMES[0]).getJobCounts('waiting');
              return { backend: this.queue.backend };
            })
            .withTimeout(timeout),
        () =>
          this.indicators
            .check('storage')
            .attempt(async () => {
              await this.storage.ping();
              return { driver: this.storage.name };
            })
            .withTimeout(timeout),
        () =>
          this.disk.checkStorage('disk', {
            path: this.config.diskPath,
            thresholdPercent: 1 - this.config.diskMinFreeRatio,
          }),
        () => {
          const used = process.memoryUsage().heapUsed;
          const session = this.indicators.check('heap');
          const data = { usedBytes: used, limitBytes: heapLimit };
          return used > heapLimit * this.config.heapMaxRatio
            ? session.down(data)
            : session.up(data);
        },
      ]);
      return { httpStatus: 200, body };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        return { httpStatus: 503, body: error.getResponse() as HealthCheckResult };
      }
      throw error;
    }
  }
}
