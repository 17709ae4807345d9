import { WorkerHost } from '@nestjs/bullmq';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { appConfig } from '../../config/app.config.js';
import { queueConfig } from '../../config/queue.config.js';
import { AppWorker } from './app-worker.js';
import { JobsService } from './jobs.service.js';
import { logQueueErrors } from './queue-errors.js';
import type { QueueName } from './queue-names.js';

/**
 * Starts every declared worker in processes whose role runs workers (`all` or `worker`), and
 * registers the repeating jobs each one declares (AppWorker.schedules). At shutdown it closes them
 * first, so the jobs still running finish while everything they use is open.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private running: WorkerHost[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly jobs: JobsService,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.app.runsWorkers) return;
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    // PostgreSQL: a worker started on a connection that failed to start would retry at once,
    // forever, and starve the event loop (BullMQ memoises the failure): start none unless all are
    // connected, and fail the start with the cause.
    if (this.queue.backend === 'postgres') {
      await Promise.all(hosts.map((host) => host.worker.waitUntilReady()));
    }
    this.running = hosts;
    for (const host of hosts) {
      const worker = host.worker;
      worker.concurrency = this.queue.concurrency;
      logQueueErrors(worker, worker.name, this.logger);
      worker.run().catch((error: unknown) => {
        this.logger.error({ err: error, queue: worker.name }, 'Worker stopped with an error');
      });
    }
    for (const host of hosts) {
      if (!(host instanceof AppWorker)) continue;
      for (const { id, pattern, job } of host.schedules()) {
        await this.jobs.schedule(host.worker.name as QueueName, id, pattern, job);
      }
    }
    this.logger.log(`started ${hosts.length} worker(s) on the ${this.queue.backend} backend`);
  }

  /**
   * Before the HTTP server and the queues close: a worker's close waits for its running jobs,
   * and a job may still queue a follow-up (or write through any pool). @nestjs/bullmq would close
   * the workers among the queues, in module order, and a queue already closed never answers.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.running.map((host) => host.worker.close()));
  }
}
