import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { WebhookEventEntity, type WebhookEventStatus } from './webhook-event.entity.js';

export interface NewWebhookEvent {
  id: string;
  source: string;
  eventId: string;
  signedAt: Date;
  contentType: string | null;
  payload: Buffer;
}

export type ProcessOutcome = 'processed' | 'skipped' | 'missing';

const MAX_ERROR_LENGTH = 1000;

/** Intention-named queries over `webhook_events`. */
@Injectable()
export class WebhookEventsRepository {
  constructor(
    @InjectRepository(WebhookEventEntity) private readonly events: Repository<WebhookEventEntity>,
  ) {}

  /**
   * Stores a first delivery. A replayed (source, eventId) stores nothing and returns the row of
   * the first one; a concurrent first delivery is waited for by the unique index.
   */
  async insertOnce(
    event: NewWebhookEvent,
  ): Promise<{ created: boolean; id: string; status: WebhookEventStatus }> {
    const rows = (await this.events.query(
      `INSERT INTO webhook_events (id, source, event_id, signed_at, content_type, payload)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source, event_id) DO NOTHING
       RETURNING id`,
      [event.id, event.source, event.eventId, event.signedAt, event.contentType, event.payload],
    )) as Array<{ id: string }>;
    if (rows.length > 0) return { created: true, id: event.id, status: 'received' };
    const existing = await this.events.findOne({
      select: { id: true, status: true },
      where: { source: event.source, eventId: event.eventId },
    });
    if (!existing) throw new Error('A conflicting webhook event vanished');
    return { created: false, id: existing.id, status: existing.status };
  }

  /**
   * Runs `effect` for a `received` event and marks it `processed` in the same transaction, with
   * the row locked: what the effect writes through `tx` commits together with the mark, so a
   * retried or concurrent job finds the event processed and skips it.
   */
  processOnce(
    id: string,
    effect: (event: WebhookEventEntity, tx: EntityManager) => Promise<void>,
  ): Promise<ProcessOutcome> {
    return this.events.manager.transaction(async (tx) => {
      const event = await tx.getRepository(WebhookEventEntity).findOne({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!event) return 'missing';
      if (event.status !== 'received') return 'skipped';
      await effect(event, tx);
      await tx
        .createQueryBuilder()
        .update(WebhookEventEntity)
        .set({
          status: 'processed',
          processedAt: () => 'now()',
          attempts: () => 'attempts + 1',
          error: null,
        })
        .where('id = :id', { id })
        .execute();
      return 'processed';
    });
  }

  /** Counts a failed attempt of a still unprocessed event; the final one marks it `failed`. */
  async recordFailure(id: string, error: string, final: boolean): Promise<void> {
    await this.events
      .createQueryBuilder()
      .update(WebhookEventEntity)
      .set({
        attempts: () => 'attempts + 1',
        error: error.slice(0, MAX_ERROR_LENGTH),
        ...(final ? { status: 'failed' as const } : {}),
      })
      .where("id = :id AND status = 'received'", { id })
      .execute();
  }
}
