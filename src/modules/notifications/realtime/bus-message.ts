import type { NotificationDto } from '../dto/notification.dto.js';

/** A committed notification as the Redis bus carries it: no query on the receiving side. */
export interface CarriedNotification {
  userId: string;
  notification: NotificationDto;
}

/**
 * What travels between instances. `ids` is the PostgreSQL form (ids with their user, so an
 * instance loads only the rows of users connected to it); `rows` the Redis form.
 */
export type BusMessage =
  | { kind: 'ids'; items: Array<[id: string, userId: string]> }
  | { kind: 'rows'; rows: CarriedNotification[] }
  | { kind: 'broadcast'; broadcastId: string; firstUserId: string; lastUserId: string };

/** PostgreSQL refuses a NOTIFY payload of 8 000 bytes or more. */
export const PG_NOTIFY_MAX_BYTES = 7_999;

/**
 * Splits `items` into `ids` messages whose JSON stays within `maxBytes` each. Ids and user ids
 * are UUIDs (ASCII), so the byte length of the JSON is its string length.
 */
export function splitIdMessages(
  items: Array<[string, string]>,
  maxBytes = PG_NOTIFY_MAX_BYTES,
): string[] {
  const envelope = JSON.stringify({ kind: 'ids', items: [] }).length;
  const messages: string[] = [];
  let batch: Array<[string, string]> = [];
  let size = envelope;
  for (const item of items) {
    const piece = JSON.stringify(item).length;
    if (envelope + piece > maxBytes) throw new Error('A notification id does not fit a NOTIFY');
    if (batch.length > 0 && size + 1 + piece > maxBytes) {
      messages.push(JSON.stringify({ kind: 'ids', items: batch }));
      batch = [];
      size = envelope;
    }
    size += piece + (batch.length > 0 ? 1 : 0);
    batch.push(item);
  }
  if (batch.length > 0) messages.push(JSON.stringify({ kind: 'ids', items: batch }));
  return messages;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The message in a payload from the bus, or undefined for anything malformed. */
export function parseBusMessage(payload: string): BusMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.kind === 'ids' && Array.isArray(message.items)) {
    const items = message.items as unknown[];
    const valid = items.every(
      (item) => Array.isArray(item) && item.length === 2 && item.every(isString),
    );
    return valid ? (message as BusMessage) : undefined;
  }
  if (message.kind === 'rows' && Array.isArray(message.rows)) return message as BusMessage;
  if (
    message.kind === 'broadcast' &&
    isString(message.broadcastId) &&
    isString(message.firstUserId) &&
    isString(message.lastUserId)
  ) {
    return message as BusMessage;
  }
  return undefined;
}
