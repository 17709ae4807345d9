import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { requestContext } from '../http/request-context.js';
import type { DomainEvent, DomainEventName, DomainEvents } from './domain-events.js';

/** Emits typed domain events stamped with the current request's context. */
@Injectable()
export class EventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    const ctx = requestContext.get();
    const event: DomainEvent<K> = {
      ...payload,
      meta: {
        occurredAt: new Date().toISOString(),
        requestId: ctx?.requestId,
        actorId: ctx?.userId,
        ip: ctx?.ip,
        userAgent: ctx?.userAgent,
        apiKeyId: ctx?.apiKeyId,
      },
    };
    this.emitter.emit(name, event);
  }
}
