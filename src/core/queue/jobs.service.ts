import { getQueueToken } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { queueConfig } from '../../config/queue.config.js';
import type { AuthUser } from '../auth/auth-user.js';
import { PermissionsService } from '../auth/permissions.service.js';
import { AppException } from '../errors/app.exception.js';
import { requestContext } from '../http/request-context.js';
import { setQueueDepthSource } from '../observability/metrics.js';
import type { JobEnvelope } from './job-envelope.js';
import type { JobStatusDto } from './job-status.dto.js';
import { logQueueErrors } from './queue-errors.js';
import { QUEUE_NAMES, type QueueName } from './queue-names.js';

const JOB_FAILED = 'The job failed';

const queueUnavailable = (): AppException =>
  new AppException('SERVICE_UNAVAILABLE', 'The job queue is unavailable; retry shortly', {
    headers: { 'Retry-After': '5' },
  });

/**
 * ioredis queues commands while disconnected and sends them on reconnect: a job refused with a
 * 503 would then be added anyway, minutes later. Producers fail at once instead (workers keep
 * their own connections, which should wait for Redis to return). BullMQ builds the client from
 * the shared options, so the flag is set on the live client, which reads it per command.
 */
async function failFastWhenOffline(queue: Queue): Promise<void> {
  const client = (await queue.getBackend().connection.client) as {
    options?: { enableOfflineQueue?: boolean };
  };
  if (client.options) client.options.enableOfflineQueue = false;
}

export interface QueueJobCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Adds jobs with the caller's request context and reports any job's status by id. */
@Injectable()
export class JobsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Queue');
  private queues = new Map<QueueName, Queue>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly permissions: PermissionsService,
    @Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const name of QUEUE_NAMES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      this.queues.set(name, queue);
      logQueueErrors(queue, name, this.logger);
      if (this.config.backend === 'redis') await failFastWhenOffline(queue);
    }
    // PostgreSQL: a queue whose connection failed to start stays failed (BullMQ memoises it), so
    // a start that cannot connect every queue fails here, with the cause, rather than later.
    if (this.config.backend === 'postgres') {
      await Promise.all([...this.queues.values()].map((queue) => queue.waitUntilReady()));
    }
    setQueueDepthSource(() => this.depths());
  }

  onModuleDestroy(): void {
    setQueueDepthSource(undefined);
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Queue ${name} is not registered`);
    return queue;
  }

  /**
   * Enqueues a job carrying the request id and user id. Its id is a fresh UUID unless `jobId`
   * is given: then a job with that id that still exists is kept and nothing is added (one job
   * per key, e.g. a digest window).
   */
  async enqueue<T>(
    queue: QueueName,
    name: string,
    payload: T,
    options: JobsOptions & { ownerId?: string } = {},
  ): Promise<{ jobId: string }> {
    const { ownerId, jobId: fixedId, ...jobOptions } = options;
    const ctx = requestContext.get();
    const envelope: JobEnvelope<T> = {
      payload,
      meta: { requestId: ctx?.requestId, userId: ownerId ?? ctx?.userId },
    };
    const jobId = fixedId ?? randomUUID();
    await this.bounded(this.queue(queue).add(name, envelope, { ...jobOptions, jobId }));
    return { jobId };
  }

  /**
   * A request that enqueues must not hang while the queue backend is away: past
   * QUEUE_ENQUEUE_TIMEOUT_MS, or at once when Redis is known to be offline, it answers 503.
   */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(queueUnavailable()), this.config.enqueueTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (error instanceof AppException) throw error;
      this.logger.error({ err: error }, 'Could not enqueue a job');
      throw queueUnavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Registers (or updates) a repeating job, e.g. a daily cleanup; a failure is logged, not
   * thrown, so a scheduling hiccup never stops the process from starting.
   */
  async schedule(
    queue: QueueName,
    schedulerId: string,
    pattern: string,
    jobName: string,
  ): Promise<void> {
    try {
      const envelope: JobEnvelope = { payload: {}, meta: {} };
      await this.queue(queue).upsertJobScheduler(
        schedulerId,
        { pattern, tz: 'UTC' },
        { name: jobName, data: envelope },
      );
    } catch (error) {
      this.logger.error({ err: error, queue, schedulerId }, 'Could not register a scheduled job');
    }
  }

  /**
   * The owner's job, or any job for a caller granted `jobs.read.any`; anyone else gets the same
   * 404 as for a job that does not exist.
   */
  async getStatus(actor: AuthUser, id: string): Promise<JobStatusDto> {
    const found = await this.find(id);
    const owner = (found?.job.data as JobEnvelope | undefined)?.meta?.userId;
    const operator = await this.permissions.can(actor, 'jobs.read.any');
    if (!found || (owner !== actor.id && !operator)) {
      throw new AppException('NOT_FOUND', 'Job not found');
    }
    // State first, then a fresh read: a job seen as finished then has its final attempts/result.
    const status = await found.job.getState();
    const job = ((await found.queue.getJob(id)) as Job | undefined) ?? found.job;
    return {
      id,
      queue: job.queueName,
      type: job.name,
      status,
      progress: typeof job.progress === 'number' ? job.progress : 0,
      attempts: job.attemptsMade,
      result: job.returnvalue ?? undefined,
      // A worker's error message may name paths, hosts or SQL: only operators see it.
      error: job.failedReason ? (operator ? job.failedReason : JOB_FAILED) : undefined,
      createdAt: new Date(job.timestamp),
      finishedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
    };
  }

  private async find(id: string): Promise<{ queue: Queue; job: Job } | undefined> {
    if (!UUID.test(id)) return undefined;
    for (const queue of this.queues.values()) {
      const job = (await queue.getJob(id)) as Job | undefined;
      if (job) return { queue, job };
    }
    return undefined;
  }

  /** Jobs per queue by state (BullMQ's counts; completed and failed are the jobs still kept). */
  async jobCounts(): Promise<QueueJobCounts[]> {
    const byQueue = new Map<string, QueueJobCounts>();
    for (const { queue, state, count } of await this.depths()) {
      const row = byQueue.get(queue) ?? {
        name: queue,
        waiting: 0,
        active: 0,
        delayed: 0,
        completed: 0,
        failed: 0,
      };
      if (state in row && state !== 'name')
        row[state as Exclude<keyof QueueJobCounts, 'name'>] = count;
      byQueue.set(queue, row);
    }
    return [...byQueue.values()];
  }

  private async depths(): Promise<Array<{ queue: string; state: string; count: number }>> {
    const rows: Array<{ queue: string; state: string; count: number }> = [];
    for (const [name, queue] of this.queues) {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'completed',
      );
      for (const [state, count] of Object.entries(counts)) rows.push({ queue: name, state, count });
    }
    return rows;
  }
}
