import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EventMeta } from '../../core/events/domain-events.js';
import { redactDeep } from '../../core/observability/redact.js';
import { AuditWriter } from './audit-writer.js';

const FAILURES = new Set(['auth.login.failed', 'auth.refresh.reused']);

const DESCRIPTIONS: Record<string, string> = {
  'auth.registered': 'Registered an account',
  'auth.login.succeeded': 'Signed in',
  'auth.login.failed': 'Failed sign-in attempt',
  'auth.logout': 'Signed out',
  'auth.refresh.reused': 'A rotated refresh token was reused; the session family was revoked',
  'auth.session.revoked': 'Revoked a session',
  'auth.password.changed': 'Changed the password',
  'auth.email.verified': 'Verified the email address',
  'auth.password.reset': 'Reset the password by email link',
  'user.profile.updated': 'Updated the profile',
  'auth.email.changed': 'Changed the email address',
  'user.deleted': 'Deleted the account',
  'auth.2fa.enabled': 'Enabled two-factor authentication',
  'auth.2fa.disabled': 'Disabled two-factor authentication',
  'user.banned': 'User banned',
  'user.unbanned': 'User unbanned',
  'user.role.assigned': 'Role assigned',
  'user.role.revoked': 'Role revoked',
  'user.updated': 'User edited by an admin',
};

type AnyDomainEvent = Record<string, unknown> & { meta?: EventMeta };

/** Records every domain event (auth.*, user.*) in the audit log. */
@Injectable()
export class AuditListener implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly writer: AuditWriter,
    private readonly emitter: EventEmitter2,
  ) {}

  // @OnEvent('**') would hide the event's name (Nest's wrapper drops EventEmitter2's
  // `this.event`), so the listener subscribes with onAny, which passes it.
  onModuleInit(): void {
    this.emitter.onAny(this.listener);
  }

  onModuleDestroy(): void {
    this.emitter.offAny(this.listener);
  }

  private readonly listener = (name: string | string[], event: unknown): void => {
    try {
      this.record(Array.isArray(name) ? name.join('.') : name, event as AnyDomainEvent);
    } catch {
      // Recording never disturbs the emitter.
    }
  };

  /** Turns one domain event into an audit entry. Never throws. */
  record(name: string, event: AnyDomainEvent): void {
    if (!/^(auth|user)\./.test(name) || !event || typeof event !== 'object' || !event.meta) return;
    const { meta, ...payload } = event;
    const userId = typeof payload.userId === 'string' ? payload.userId : null;
    const actorId = meta.actorId ?? userId;
    const email = typeof payload.email === 'string' ? payload.email : undefined;
    const base = DESCRIPTIONS[name] ?? name;
    this.writer.write({
      occurredAt: new Date(meta.occurredAt),
      actorId,
      actorType: actorId || meta.requestId ? 'user' : 'system',
      action: name,
      entityType: userId ? 'user' : null,
      entityId: userId,
      oldValues: null,
      newValues: redactDeep(payload),
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      requestId: meta.requestId ?? null,
      status: FAILURES.has(name) ? 'failure' : 'success',
      description: name === 'auth.login.failed' && email ? `${base} for ${email}` : base,
    });
  }
}
