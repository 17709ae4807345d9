import { SetMetadata } from '@nestjs/common';

export const AUDITED_KEY = 'audit:action';

export interface AuditedOptions {
  /** The entity type whose snapshot provider loads old and new values; default: the action's prefix. */
  entityType?: string;
}

export interface AuditedMetadata extends AuditedOptions {
  action: string;
}

/**
 * Records an audit entry named `action` (e.g. 'user.update') after the handler runs, with the
 * entity's changed fields before and after when a snapshot provider serves its entity type.
 */
export const Audited = (action: string, options: AuditedOptions = {}) =>
  SetMetadata<string, AuditedMetadata>(AUDITED_KEY, { action, ...options });
