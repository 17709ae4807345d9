import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { AuditInterceptor } from './audit.interceptor.js';

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
 * The interceptor is bound here, not globally: a global one would wrap every other route and
 * resolver in Nest's RxJS interceptor pipeline for nothing.
 */
export const Audited = (action: string, options: AuditedOptions = {}) =>
  applyDecorators(
    SetMetadata<string, AuditedMetadata>(AUDITED_KEY, { action, ...options }),
    UseInterceptors(AuditInterceptor),
  );
