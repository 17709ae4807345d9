/** Every domain event: its name and payload. Audit and notifications listen with @OnEvent(name). */
export interface DomainEvents {
  'auth.registered': { userId: string; email: string };
  'auth.login.succeeded': { userId: string; sessionId: string };
  'auth.login.failed': { email: string; reason: 'invalid_credentials' | 'banned' | 'unverified' };
  'auth.logout': { userId: string; sessionId: string };
  'auth.refresh.reused': { userId: string; sessionId: string };
  'auth.session.revoked': { userId: string; sessionId: string };
  'auth.password.changed': { userId: string };
  'auth.email.verified': { userId: string };
  'auth.password.reset': { userId: string };
  'user.profile.updated': { userId: string; fields: string[] };
  'auth.email.changed': { userId: string };
  'user.deleted': { userId: string };
  /** The restore window of a deleted account has passed: its data is being removed. */
  'user.anonymised': { userId: string };
  'auth.2fa.enabled': { userId: string };
  'auth.2fa.disabled': { userId: string };
  'user.banned': { userId: string; reason: string; until: string | null };
  'user.unbanned': { userId: string };
  'user.role.assigned': { userId: string; role: string };
  'user.role.revoked': { userId: string; role: string };
  'user.updated': { userId: string; fields: string[] };
  'file.uploaded': {
    fileId: string;
    ownerId: string;
    kind: string;
    mimeType: string;
    size: number;
  };
  'file.processed': { fileId: string; ownerId: string; status: 'ready' | 'failed' };
  'file.deleted': { fileId: string; ownerId: string };
}

export type DomainEventName = keyof DomainEvents;

/** What the bus adds to every payload: when, and the request that caused it. */
export interface EventMeta {
  occurredAt: string;
  requestId?: string;
  actorId?: string;
  ip?: string;
  userAgent?: string;
}

export type DomainEvent<K extends DomainEventName> = DomainEvents[K] & { meta: EventMeta };
