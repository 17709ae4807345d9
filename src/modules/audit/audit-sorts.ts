/** Admin search orders: newest first (the default) or oldest first, as `GET /admin/users` spells sorts. */
export const AUDIT_SORTS = ['-occurredAt', 'occurredAt'] as const;
export type AuditSort = (typeof AUDIT_SORTS)[number];
export const DEFAULT_AUDIT_SORT: AuditSort = '-occurredAt';

export const isAuditSort = (sort: string): sort is AuditSort =>
  (AUDIT_SORTS as readonly string[]).includes(sort);
