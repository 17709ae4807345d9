import { Injectable, Logger } from '@nestjs/common';
import {
  ANY_WEBHOOK_SOURCE,
  type WebhookEvent,
  type WebhookHandler,
  WebhookHandlerFor,
} from './webhook-handlers.js';

/**
 * The built-in example and fallback: logs each event of a source without a handler of its
 * own; the event is then marked processed. Copy it to react to a source's events.
 */
@Injectable()
@WebhookHandlerFor(ANY_WEBHOOK_SOURCE)
export class LogWebhookHandler implements WebhookHandler {
  private readonly logger = new Logger('Webhooks');

  async handle(event: WebhookEvent): Promise<void> {
    this.logger.log(
      {
        source: event.source,
        webhookEventId: event.id,
        eventId: event.eventId,
        type: typeOf(event),
        bytes: event.body.length,
      },
      'Webhook event received (no handler of its own)',
    );
  }
}

/** The Standard Webhooks payload's `type`, when the body is a JSON object carrying one. */
function typeOf(event: WebhookEvent): string | undefined {
  try {
    const payload = event.json<{ type?: unknown }>();
    return typeof payload?.type === 'string' ? payload.type.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
