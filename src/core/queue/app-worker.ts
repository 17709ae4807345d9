import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { queueConfig } from '../../config/queue.config.js';
import { requestContext } from '../http/request-context.js';
import { queueJobsTotal } from '../observability/metrics.js';
import type { JobEnvelope } from './job-envelope.js';
import type { QueueName } from './queue-names.js';

/**
 * Declares a worker for a queue. Workers start only in processes whose PROCESS_ROLE runs them
 * (see WorkerRunner), so the same image serves as API and as worker.
 */
export const QueueWorker = (queue: QueueName) =>
  Processor(queue, {
    autorun: false,
    // Read when Nest builds the worker (config loaded by then), not when the class is declared:
    // BullMQ derives its lock renewal from these in the Worker's constructor. A worker that dies
    // mid-job stops renewing its lock; another worker's stalled check takes the job back after
    // about lockDuration + stalledInterval and runs it again.
    get lockDuration() {
      return queueConfig().lockDurationMs;
    },
    get stalledInterval() {
      return queueConfig().stalledIntervalMs;
    },
  });

/** A repeating job: its scheduler id, cron pattern (UTC) and job name. */
export interface JobSchedule {
  id: string;
  pattern: string;
  job: string;
}

/**
 * Base class for processors: runs `handle` inside the context of the request that queued the
 * job (its request id is on every log line) and counts outcomes.
 */
export abstract class AppWorker<T = unknown, R = unknown> extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  abstract handle(payload: T, job: Job<JobEnvelope<T>>): Promise<R>;

  /** Repeating jobs of this queue (cleanups, rollups); registered where workers run. */
  schedules(): JobSchedule[] {
    return [];
  }

  async process(job: Job<JobEnvelope<T>>): Promise<R> {
    const meta = job.data.meta ?? {};
    const context = {
      requestId: meta.requestId ?? `job-${job.id}`,
      userId: meta.userId,
      jobId: job.id,
      queryCount: 0,
    };
    return requestContext.run(context, async () => {
      try {
        const result = await this.handle(job.data.payload, job);
        queueJobsTotal.inc({ queue: job.queueName, outcome: 'completed' });
        return result;
      } catch (error) {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        queueJobsTotal.inc({ queue: job.queueName, outcome: final ? 'failed' : 'retried' });
        this.logger.warn({ err: error, attempt: job.attemptsMade + 1, final }, 'Job failed');
        throw error;
      }
    });
  }
}
