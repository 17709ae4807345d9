import { isUUID } from 'class-validator';
import { type Job, UnrecoverableError } from 'bullmq';
import { AppWorker, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import type { ProcessOutcome } from './webhook-events.repository.js';
import {
  PROCESS_WEBHOOK_JOB,
  type ProcessWebhookPayload,
  WEBHOOKS_QUEUE,
} from './webhooks.jobs.js';
import { WebhooksService } from './webhooks.service.js';

/** The `webhooks` queue: runs the handlers of each stored event once (worker processes). */
@QueueWorker(WEBHOOKS_QUEUE)
export class WebhooksWorker extends AppWorker<
  Partial<ProcessWebhookPayload>,
  { status: ProcessOutcome }
> {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  async handle(
    payload: Partial<ProcessWebhookPayload>,
    job: Job<JobEnvelope<Partial<ProcessWebhookPayload>>>,
  ): Promise<{ status: ProcessOutcome }> {
    if (
      job.name !== PROCESS_WEBHOOK_JOB ||
      typeof payload.eventId !== 'string' ||
      !isUUID(payload.eventId)
    ) {
      throw new UnrecoverableError(`Unknown webhooks job ${job.name}`);
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.webhooks.process(payload.eventId, finalAttempt);
  }
}
