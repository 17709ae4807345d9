import type { EventMeta } from '../../core/events/domain-events.js';
import type { AuditStatus } from './audit-log.entity.js';

type Payload = Record<string, unknown>;

/** How one family of domain events maps onto audit entries. */
export interface AuditEventMapping {
  entityType: string;
  /** The payload key holding the entity id. */
  idKey: string;
  /** Payload keys naming who acted when the event's meta has no actor, tried in order. */
  actorKeys: readonly string[];
}

/** By event name prefix (the part before the first dot). Events of other prefixes are not recorded. */
export const EVENT_MAPPINGS: Readonly<Record<string, AuditEventMapping>> = {
  auth: { entityType: 'user', idKey: 'userId', actorKeys: ['userId'] },
  user: { entityType: 'user', idKey: 'userId', actorKeys: ['userId'] },
  file: { entityType: 'file', idKey: 'fileId', actorKeys: ['ownerId'] },
  invite: { entityType: 'invite', idKey: 'inviteId', actorKeys: ['createdBy', 'userId'] },
  notification: {
    entityType: 'notification_broadcast',
    idKey: 'broadcastId',
    actorKeys: ['createdBy'],
  },
  apikey: { entityType: 'api_key', idKey: 'apiKeyId', actorKeys: ['createdBy', 'ownerId'] },
  identity: { entityType: 'user_identity', idKey: 'identityId', actorKeys: ['userId'] },
};

export const DESCRIPTIONS: Readonly<Record<string, string>> = {
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
  'user.restored': 'Restored the deleted account',
  'user.anonymised': 'Anonymised the account after its restore window',
  'auth.2fa.enabled': 'Enabled two-factor authentication',
  'auth.2fa.disabled': 'Disabled two-factor authentication',
  'user.banned': 'User banned',
  'user.ban.failed': 'Ban refused',
  'user.unbanned': 'User unbanned',
  'user.role.assigned': 'Role assigned',
  'user.role.revoked': 'Role revoked',
  'user.updated': 'User edited by an admin',
  'user.update.failed': 'Admin edit refused',
  'file.uploaded': 'Uploaded a file',
  'file.processed': 'File processed',
  'file.deleted': 'Deleted a file',
  'notification.broadcast.queued': 'Broadcast a notification',
  'apikey.created': 'Created an API key',
  'apikey.rotated': 'Rotated an API key',
  'apikey.revoked': 'Revoked an API key',
  'invite.created': 'Issued a registration invite',
  'invite.used': 'Registered with an invite',
  'user.erased': 'Erased the account after its restore window',
  'identity.linked': 'Linked a sign-in provider',
  'identity.unlinked': 'Unlinked a sign-in provider',
  'auth.account.adopted':
    'The verified owner of the e-mail address took over the unverified account (its password, sessions and second factor were removed)',
};

/** Events that record a failure: always, or depending on the payload. */
const FAILURES: Readonly<Record<string, (payload: Payload) => boolean>> = {
  'auth.login.failed': () => true,
  'auth.refresh.reused': () => true,
  'user.ban.failed': () => true,
  'user.update.failed': () => true,
  'file.processed': (payload) => payload.status === 'failed',
};

/** Extra description detail, from the payload. */
const DETAILS: Readonly<Record<string, (payload: Payload) => string | undefined>> = {
  'auth.login.failed': (p) => (typeof p.email === 'string' ? `for ${p.email}` : undefined),
  'user.ban.failed': (p) => (typeof p.code === 'string' ? `(${p.code})` : undefined),
  'user.update.failed': (p) => (typeof p.code === 'string' ? `(${p.code})` : undefined),
  'file.uploaded': (p) => (typeof p.kind === 'string' ? `(${p.kind})` : undefined),
  'file.processed': (p) => (p.status === 'failed' ? '(failed)' : undefined),
  'identity.linked': (p) =>
    typeof p.provider === 'string' ? `(${p.provider}, via ${String(p.via)})` : undefined,
  'identity.unlinked': (p) => (typeof p.provider === 'string' ? `(${p.provider})` : undefined),
  'auth.account.adopted': (p) =>
    typeof p.provider === 'string' ? `through ${p.provider}` : undefined,
};

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The audit fields a domain event maps to, or null when such events are not recorded. */
export function mapEvent(
  name: string,
  payload: Payload,
  meta: EventMeta,
): {
  actorId: string | null;
  entityType: string | null;
  entityId: string | null;
  status: AuditStatus;
  description: string;
} | null {
  const mapping = EVENT_MAPPINGS[name.split('.')[0] ?? ''];
  if (!mapping) return null;
  const entityId = str(payload[mapping.idKey]);
  const fallbackActor = mapping.actorKeys.map((key) => str(payload[key])).find(Boolean) ?? null;
  const base = DESCRIPTIONS[name] ?? name;
  const detail = DETAILS[name]?.(payload);
  return {
    actorId: meta.actorId ?? fallbackActor,
    entityType: entityId ? mapping.entityType : null,
    entityId,
    status: FAILURES[name]?.(payload) ? 'failure' : 'success',
    description: detail ? `${base} ${detail}` : base,
  };
}
