import type { AuditLogFilter } from './dto/audit.dto.js';
import type { ExportFormat } from './dto/audit-export.dto.js';

export const AUDIT_QUEUE = 'audit';
export const AUDIT_EXPORT_JOB = 'audit-export';
export const AUDIT_RETENTION_JOB = 'audit-retention';
export const RETENTION_SCHEDULER_ID = 'audit-retention-daily';
/** Every day at 03:47 UTC. */
export const RETENTION_PATTERN = '47 3 * * *';
/** The expiry of every export file, GDPR archives included, runs on this queue. */
export const EXPORTS_EXPIRE_JOB = 'exports-expire';
export const EXPORTS_EXPIRY_SCHEDULER_ID = 'exports-expiry-daily';
/** Every day at 04:37 UTC. */
export const EXPORTS_EXPIRY_PATTERN = '37 4 * * *';

export interface AuditExportPayload {
  format?: ExportFormat;
  filter?: AuditLogFilter;
}
