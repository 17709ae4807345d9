import {
  decodeCursor,
  encodeCursor,
  isBigintId,
  isTimestampKey,
} from '../../core/pagination/cursor.js';

/** Admin search orders: newest first (the default) or oldest first, as `GET /admin/users` spells sorts. */
export const AUDIT_SORTS = ['-occurredAt', 'occurredAt'] as const;
export type AuditSort = (typeof AUDIT_SORTS)[number];
export const DEFAULT_AUDIT_SORT: AuditSort = '-occurredAt';

export const isAuditSort = (sort: string): sort is AuditSort =>
  (AUDIT_SORTS as readonly string[]).includes(sort);

// The core codec, bound to the audit log's keys: occurred_at to the microsecond, bigint ids.
const sortTag = (sort: AuditSort) => `audit:${sort}`;

export function encodeAuditCursor(sort: AuditSort, key: string, id: string): string {
  return encodeCursor({ sort: sortTag(sort), key, id });
}

/** A cursor this API issued for the same sort, or VALIDATION_FAILED. */
export function decodeAuditCursor(cursor: string, sort: AuditSort): { key: string; id: string } {
  const { key, id } = decodeCursor(cursor, sortTag(sort), isTimestampKey, isBigintId);
  return { key, id };
}
