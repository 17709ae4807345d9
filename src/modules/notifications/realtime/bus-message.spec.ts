import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBusMessage, PG_NOTIFY_MAX_BYTES, splitIdMessages } from './bus-message.js';
import { notifyPayloads } from './postgres-notification-bus.js';

const items = (n: number): Array<[string, string]> =>
  Array.from({ length: n }, () => [randomUUID(), randomUUID()]);

describe('PostgreSQL NOTIFY payload splitting', () => {
  it('keeps every payload under 8 000 bytes and every id, in order', () => {
    const all = items(1000);
    const payloads = splitIdMessages(all);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(PG_NOTIFY_MAX_BYTES);
    }
    const back = payloads.flatMap((p) => {
      const message = parseBusMessage(p);
      return message?.kind === 'ids' ? message.items : [];
    });
    expect(back).toEqual(all);
  });

  it('fills payloads up to the bound rather than sending one per id', () => {
    const payloads = splitIdMessages(items(200), 1000);
    for (const payload of payloads.slice(0, -1)) {
      expect(payload.length).toBeLessThanOrEqual(1000);
      expect(payload.length).toBeGreaterThan(1000 - 80);
    }
  });

  it('sends one payload for one id and none for none', () => {
    expect(splitIdMessages(items(1))).toHaveLength(1);
    expect(splitIdMessages([])).toEqual([]);
    expect(notifyPayloads([{ kind: 'ids', items: [] }])).toEqual([]);
  });

  it('passes broadcast messages through as one payload', () => {
    const message = {
      kind: 'broadcast' as const,
      broadcastId: randomUUID(),
      firstUserId: randomUUID(),
      lastUserId: randomUUID(),
    };
    expect(notifyPayloads([message]).map(parseBusMessage)).toEqual([message]);
  });

  it('ignores malformed payloads', () => {
    for (const payload of [
      '',
      'nope',
      '{}',
      '{"kind":"ids","items":[[1,2]]}',
      '{"kind":"broadcast"}',
    ]) {
      expect(parseBusMessage(payload)).toBeUndefined();
    }
  });
});
