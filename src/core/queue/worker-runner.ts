import { WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { appConfig } from '../../config/app.config.js';
import { queueConfig } from '../../config/queue.config.js';
import { logQueueErrors } from './queue-errors.js';

/** Starts every declared worker in processes whose role runs workers (`all` or `worker`). */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.app.runsWorkers) return;
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    for (const host of hosts) {
      const worker = host.worker;
      worker.concurrency = this.queue.concurrency;
      logQueueErrors(worker, worker.name, this.logger);
      worker.run().catch((error: unknown) => {
        this.logger.error({ err: error, queue: worker.name }, 'Worker stopped with an error');
      });
    }
    this.logger.log(`started ${hosts.length} worker(s) on the ${this.queue.backend} backend`);
  }
}
