import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/** A domain event as the app emitted it (payload with its `meta`). */
export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Records every event the app emits from now on, in order, into the returned array. */
export function recordEvents(app: INestApplication): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  app.get(EventEmitter2).onAny((name, payload) => {
    events.push({ name: String(name), payload: payload as Record<string, unknown> });
  });
  return events;
}

export interface ListenerTracker {
  /** Resolves once every listener of every event emitted so far has finished, async ones too. */
  settled(): Promise<void>;
}

/**
 * Lets a test wait for the app's async `@OnEvent` listeners instead of sleeping: `emit` goes
 * through `emitAsync`, which calls the same listeners at once but also hands back their promises.
 */
export function trackListeners(app: INestApplication): ListenerTracker {
  const emitter = app.get(EventEmitter2);
  const pending = new Set<Promise<unknown>>();
  emitter.emit = (event, ...values) => {
    const done = Promise.resolve(emitter.emitAsync(event, ...values)).finally(() =>
      pending.delete(done),
    );
    pending.add(done);
    return true;
  };
  return {
    async settled() {
      // A listener may emit again while it runs: wait until nothing is left.
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
