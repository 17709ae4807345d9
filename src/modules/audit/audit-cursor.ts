import { AppException } from '../../core/errors/app.exception.js';

/** Admin search orders: newest first (the default) or oldest first, as `GET /admin/users` spells sorts. */
export const AUDIT_SORTS = ['-occurredAt', 'occurredAt'] as const;
export type AuditSort = (typeof AUDIT_SORTS)[number];
export const DEFAULT_AUDIT_SORT: AuditSort = '-occurredAt';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export const invalidCursor = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'cursor', message: 'cursor is not valid' }],
  });

export const isAuditSort = (sort: string): sort is AuditSort =>
  (AUDIT_SORTS as readonly string[]).includes(sort);

/** Opaque to clients: base64url of `['audit', sort, occurredAt to the microsecond, id]`. */
export function encodeAuditCursor(sort: AuditSort, key: string, id: string): string {
  return Buffer.from(JSON.stringify(['audit', sort, key, id])).toString('base64url');
}

/** A cursor this API issued for the same sort, or VALIDATION_FAILED. */
export function decodeAuditCursor(cursor: string, sort: AuditSort): { key: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== 'audit' ||
    parsed[1] !== sort ||
    typeof parsed[2] !== 'string' ||
    !TIMESTAMP.test(parsed[2]) ||
    typeof parsed[3] !== 'string' ||
    !/^\d{1,19}$/.test(parsed[3])
  ) {
    throw invalidCursor();
  }
  return { key: parsed[2], id: parsed[3] };
}
