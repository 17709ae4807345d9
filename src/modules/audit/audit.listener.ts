import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntityChange, EventMeta } from '../../core/events/domain-events.js';
import { redactDeep } from '../../core/observability/redact.js';
import { changedValues } from './audit-diff.js';
import { mapEvent } from './audit-event-map.js';
import { AuditWriter } from './audit-writer.js';

type Payload = Record<string, unknown>;
type AnyDomainEvent = Payload & { meta?: EventMeta; change?: EntityChange };

/**
 * Old and new values: with both sides of a change, only the changed fields; with the after side
 * only, all of it as new values; without a change (or its after side), the payload as new values.
 */
function values(
  payload: Payload,
  change: EntityChange | undefined,
): { old: unknown; new: unknown } {
  if (!change?.after) return { old: null, new: redactDeep(payload) };
  const after = redactDeep(change.after) as Payload;
  if (!change.before) return { old: null, new: after };
  return changedValues(redactDeep(change.before) as Payload, after);
}

/** Records every domain event (auth.*, user.*, file.*) in the audit log: one entry per event. */
@Injectable()
export class AuditListener implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly writer: AuditWriter,
    private readonly emitter: EventEmitter2,
  ) {}

  // @OnEvent('**') would hide the event's name (Nest's wrapper drops EventEmitter2's
  // `this.event`), so the listener subscribes with onAny, which passes it.
  onModuleInit(): void {
    this.emitter.onAny(this.listener);
  }

  onModuleDestroy(): void {
    this.emitter.offAny(this.listener);
  }

  private readonly listener = (name: string | string[], event: unknown): void => {
    try {
      this.record(Array.isArray(name) ? name.join('.') : name, event as AnyDomainEvent);
    } catch {
      // Recording never disturbs the emitter.
    }
  };

  /** Turns one domain event into an audit entry (see audit-event-map.ts). Never throws. */
  record(name: string, event: AnyDomainEvent): void {
    if (!event || typeof event !== 'object' || !event.meta) return;
    const { meta, change, ...payload } = event;
    const mapped = mapEvent(name, payload, meta);
    if (!mapped) return;
    const recorded = values(payload, change);
    this.writer.write({
      occurredAt: new Date(meta.occurredAt),
      actorId: mapped.actorId,
      actorType: meta.apiKeyId ? 'api' : mapped.actorId || meta.requestId ? 'user' : 'system',
      apiKeyId: meta.apiKeyId ?? null,
      action: name,
      entityType: mapped.entityType,
      entityId: mapped.entityId,
      oldValues: recorded.old,
      newValues: recorded.new,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      requestId: meta.requestId ?? null,
      status: mapped.status,
      description: mapped.description,
    });
  }
}
