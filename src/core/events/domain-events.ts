/** The audited fields of one record (never secrets), as its owning module reads them. */
export type EntitySnapshot = Record<string, unknown>;

/**
 * A record before and after an action, attached by the module that owns it; the audit log
 * keeps the fields that changed. A side that could not be read is null.
 */
export interface EntityChange {
  before: EntitySnapshot | null;
  after: EntitySnapshot | null;
}

/** Every domain event: its name and payload. Audit and notifications listen with @OnEvent(name). */
export interface DomainEvents {
  'auth.registered': { userId: string; email: string };
  'auth.login.succeeded': { userId: string; sessionId: string };
  /**
   * `userId` names the live account the attempt was against (its own security log shows it);
   * absent for an unknown email or a deleted account, which must reveal nothing.
   */
  'auth.login.failed': {
    email: string;
    userId?: string;
    reason: 'invalid_credentials' | 'invalid_otp' | 'banned' | 'unverified';
  };
  'auth.logout': { userId: string; sessionId: string };
  'auth.refresh.reused': { userId: string; sessionId: string };
  'auth.session.revoked': { userId: string; sessionId: string };
  'auth.password.changed': { userId: string };
  'auth.email.verified': { userId: string };
  'auth.password.reset': { userId: string };
  'user.profile.updated': { userId: string; fields: string[] };
  'auth.email.changed': { userId: string };
  'user.deleted': { userId: string };
  /** The owner brought a deleted account back inside its restore window. */
  'user.restored': { userId: string };
  /** The restore window of a deleted account has passed: its data is being removed. */
  'user.anonymised': { userId: string };
  'auth.2fa.enabled': { userId: string };
  'auth.2fa.disabled': { userId: string };
  'user.banned': { userId: string; reason: string; until: string | null; change?: EntityChange };
  /** An admin's ban was refused (no such user, own account, ...); `code` is the AppException code. */
  'user.ban.failed': { userId: string; code: string };
  'user.unbanned': { userId: string };
  'user.role.assigned': { userId: string; role: string };
  'user.role.revoked': { userId: string; role: string };
  'user.updated': { userId: string; fields: string[]; change?: EntityChange };
  /** An admin's edit was refused; `code` is the AppException code. */
  'user.update.failed': { userId: string; code: string };
  'file.uploaded': {
    fileId: string;
    ownerId: string;
    kind: string;
    mimeType: string;
    size: number;
  };
  'file.processed': { fileId: string; ownerId: string; status: 'ready' | 'failed' };
  'file.deleted': { fileId: string; ownerId: string };
  /** An admin issued a registration invite (the token itself is never in an event). */
  'invite.created': {
    inviteId: string;
    createdBy: string;
    email: string | null;
    role: string | null;
    expiresAt: string;
  };
  /** An invite was consumed by the registration of `userId`. */
  'invite.used': { inviteId: string; userId: string; role: string | null };
  /** A deleted account chose erasure: its rows were deleted at the end of the restore window. */
  'user.erased': { userId: string };
}

export type DomainEventName = keyof DomainEvents;

/** What the bus adds to every payload: when, and the request that caused it. */
export interface EventMeta {
  occurredAt: string;
  requestId?: string;
  actorId?: string;
  ip?: string;
  userAgent?: string;
  /** The API key the request authenticated with: audited as actor_type 'api'. */
  apiKeyId?: string;
}

export type DomainEvent<K extends DomainEventName> = DomainEvents[K] & { meta: EventMeta };
