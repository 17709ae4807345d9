import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { webhooksConfig } from '../../config/webhooks.config.js';

/** A verified delivery, as a handler sees it. */
export interface WebhookEvent {
  /** Our id (webhook_events.id), answered to the sender as `{ id }`. */
  id: string;
  source: string;
  /** The sender's webhook-id. */
  eventId: string;
  signedAt: Date;
  receivedAt: Date;
  contentType: string | null;
  /** The body exactly as it was signed. */
  body: Buffer;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T = unknown>(): T;
}

/**
 * Reacts to the verified events of a source. `tx` is the transaction that marks the event
 * processed: database effects made through it happen exactly once. Effects elsewhere (HTTP
 * calls, mail) may be repeated when the job is retried, so key them by `event.id`.
 */
export interface WebhookHandler {
  handle(event: WebhookEvent, tx: EntityManager): Promise<void>;
}

/** Stands for every source that has no handler of its own. */
export const ANY_WEBHOOK_SOURCE = '*';

/**
 * `@WebhookHandlerFor('billing')` declares a provider (implementing WebhookHandler) as a handler
 * of that WEBHOOK_SOURCES id, or with ANY_WEBHOOK_SOURCE of every source without its own. Any
 * module can declare one among its providers; several for one source run in turn.
 */
export const WebhookHandlerFor = DiscoveryService.createDecorator<string>();

/** Every declared handler, by source, found once at start. */
@Injectable()
export class WebhookHandlers implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');
  private readonly bySource = new Map<string, WebhookHandler[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: WebhookHandlerFor.KEY })) {
      const source = this.discovery.getMetadataByDecorator(WebhookHandlerFor, wrapper);
      const handler = wrapper.instance as Partial<WebhookHandler> | undefined;
      if (!source || typeof handler?.handle !== 'function') {
        throw new Error(`${wrapper.name} is a @WebhookHandlerFor(source) without handle()`);
      }
      if (source !== ANY_WEBHOOK_SOURCE && !this.config.sources.has(source)) {
        this.logger.warn({ source }, 'A webhook handler is declared for a source not configured');
      }
      this.bySource.set(source, [...(this.bySource.get(source) ?? []), handler as WebhookHandler]);
    }
  }

  /** The source's own handlers, in declaration order, or else the catch-all ones. */
  for(source: string): readonly WebhookHandler[] {
    return this.bySource.get(source) ?? this.bySource.get(ANY_WEBHOOK_SOURCE) ?? [];
  }
}
