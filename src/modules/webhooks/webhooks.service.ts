import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import type { WebhookEventEntity } from './webhook-event.entity.js';
import { type ProcessOutcome, WebhookEventsRepository } from './webhook-events.repository.js';
import { type WebhookEvent, WebhookHandlers } from './webhook-handlers.js';
import { isVerified, verifyWebhook, type WebhookHeaders } from './webhook-signature.js';
import {
  PROCESS_WEBHOOK_JOB,
  type ProcessWebhookPayload,
  WEBHOOKS_QUEUE,
} from './webhooks.jobs.js';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected';

/** What a transport hands over: the path's source, the three headers and the raw body. */
export interface WebhookDelivery {
  source: string;
  headers: WebhookHeaders;
  body: Buffer | undefined;
  contentType?: string;
}

/** Verifies and stores deliveries (once per webhook-id), then processes each once in a job. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly events: WebhookEventsRepository,
    private readonly handlers: WebhookHandlers,
    private readonly jobs: JobsService,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    @InjectMetric('webhooks_received_total')
    private readonly received: Counter<'source' | 'outcome'>,
  ) {}

  /**
   * A verified first delivery is stored, then queued: `duplicate: false` (answered 202). A
   * replayed webhook-id of the source stores and runs nothing again: `duplicate: true` (200).
   */
  async receive(delivery: WebhookDelivery): Promise<{ id: string; duplicate: boolean }> {
    const source = this.config.sources.get(delivery.source);
    if (!source) {
      // Label by "unknown", not by the path: senders must not mint metric series.
      this.received.inc({ source: 'unknown', outcome: 'rejected' });
      throw new AppException('NOT_FOUND', 'Unknown webhook source');
    }
    if (!delivery.body) throw new Error('The webhook route did not receive its raw body');
    const verified = verifyWebhook(delivery.headers, delivery.body, {
      keys: source.keys,
      toleranceSeconds: this.config.toleranceSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!isVerified(verified)) {
      this.received.inc({ source: source.id, outcome: 'rejected' });
      this.logger.warn({ source: source.id, problem: verified.message }, 'Webhook rejected');
      throw new AppException('WEBHOOK_SIGNATURE_INVALID', 'The webhook could not be verified', {
        errors: [verified],
      });
    }
    const stored = await this.events.insertOnce({
      id: randomUUID(),
      source: source.id,
      eventId: verified.id,
      signedAt: new Date(verified.timestamp * 1000),
      contentType: delivery.contentType?.slice(0, 255) ?? null,
      payload: delivery.body,
    });
    // A replay of an event still `received` re-queues it: the first delivery's job may never
    // have been queued (the sender saw an error and retried). Processing runs once regardless.
    if (stored.status === 'received') await this.enqueue(stored.id);
    const outcome: WebhookOutcome = stored.created ? 'accepted' : 'duplicate';
    this.received.inc({ source: source.id, outcome });
    this.logger.log(
      { source: source.id, eventId: verified.id, webhookEventId: stored.id, outcome },
      stored.created ? 'Webhook accepted' : 'Webhook replayed; already stored',
    );
    return { id: stored.id, duplicate: !stored.created };
  }

  /**
   * Runs the source's handlers for an event not processed yet and marks it processed, in one
   * transaction; an event already processed (a retried or repeated job) is skipped. A failed
   * attempt is recorded on the row; the final one marks it `failed`.
   */
  async process(eventId: string, finalAttempt: boolean): Promise<{ status: ProcessOutcome }> {
    try {
      const status = await this.events.processOnce(eventId, async (row, tx) => {
        const event = toWebhookEvent(row);
        for (const handler of this.handlers.for(row.source)) await handler.handle(event, tx);
      });
      return { status };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.events.recordFailure(eventId, message, finalAttempt);
      throw error;
    }
  }

  private async enqueue(eventId: string): Promise<void> {
    const payload: ProcessWebhookPayload = { eventId };
    await this.jobs.enqueue(WEBHOOKS_QUEUE, PROCESS_WEBHOOK_JOB, payload);
  }
}

function toWebhookEvent(row: WebhookEventEntity): WebhookEvent {
  return {
    id: row.id,
    source: row.source,
    eventId: row.eventId,
    signedAt: row.signedAt,
    receivedAt: row.receivedAt,
    contentType: row.contentType,
    body: row.payload,
    json: <T>() => JSON.parse(row.payload.toString('utf8')) as T,
  };
}
