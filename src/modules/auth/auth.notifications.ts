import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { DomainEvent, EventMeta } from '../../core/events/domain-events.js';
import {
  type NotificationDraft,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import './identities/identities.events.js';
import { SessionsRepository } from './sessions.repository.js';

/** How far back a sign-in's IP + user agent pair counts as a known device. */
export const KNOWN_DEVICE_DAYS = 30;

/** A security alert names the event; the device and address it came from travel in `data`. */
function alert(userId: string, title: string, meta: EventMeta, key: string): NotificationDraft {
  const device = [meta.ip && `IP address ${meta.ip}`, meta.userAgent && `device ${meta.userAgent}`]
    .filter(Boolean)
    .join(', ');
  return {
    userId,
    title,
    body: `${title} at ${meta.occurredAt}${device ? ` (${device})` : ''}. If this was not you, change your password and sign out your other sessions.`,
    level: 'warning',
    data: { ip: meta.ip ?? null, userAgent: meta.userAgent ?? null, occurredAt: meta.occurredAt },
    entity: { type: 'user', id: userId },
    dedupeKey: `${key}:${meta.requestId ?? meta.occurredAt}`,
  };
}

/**
 * The auth module's notification types: security alerts (critical, on every channel: a
 * password change or reset, a new e-mail address, two-factor turned on or off, the restore of
 * the deleted account, a sign-in from a device not seen in the user's sessions of the last 30
 * days) and role grants.
 */
@Injectable()
export class AuthNotificationTypes implements OnModuleInit {
  constructor(
    private readonly types: NotificationTypes,
    private readonly sessions: SessionsRepository,
  ) {}

  onModuleInit(): void {
    this.types.register({
      name: 'security_alert',
      description:
        'Sign-ins from a new device, password, e-mail and two-factor changes, account restores',
      defaultChannels: ['in_app', 'email', 'realtime'],
      critical: true,
      from: {
        'auth.password.changed': (e) =>
          alert(e.userId, 'Your password was changed', e.meta, 'password'),
        'auth.password.reset': (e) => alert(e.userId, 'Your password was reset', e.meta, 'reset'),
        'auth.email.changed': (e) =>
          alert(e.userId, 'Your e-mail address was changed', e.meta, 'email'),
        'auth.2fa.enabled': (e) =>
          alert(e.userId, 'Two-factor authentication was turned on', e.meta, '2fa-on'),
        'auth.2fa.disabled': (e) =>
          alert(e.userId, 'Two-factor authentication was turned off', e.meta, '2fa-off'),
        'auth.login.succeeded': (e) => this.newDeviceAlert(e),
        'user.restored': (e) =>
          alert(e.userId, 'Your deleted account was restored', e.meta, 'restored'),
        'apikey.created': (e) =>
          alert(e.ownerId, `API key "${e.name}" was created`, e.meta, 'apikey-created'),
        'apikey.rotated': (e) =>
          alert(e.ownerId, `API key "${e.name}" was rotated`, e.meta, 'apikey-rotated'),
        'apikey.revoked': (e) =>
          alert(e.ownerId, `API key "${e.name}" was revoked`, e.meta, 'apikey-revoked'),
        // A new account's own first identity is no news to its owner.
        'identity.linked': (e) =>
          e.via === 'signup'
            ? null
            : alert(
                e.userId,
                `Sign-in with ${e.provider} was linked`,
                e.meta,
                `link:${e.identityId}`,
              ),
        'identity.unlinked': (e) =>
          alert(
            e.userId,
            `Sign-in with ${e.provider} was unlinked`,
            e.meta,
            `unlink:${e.identityId}`,
          ),
        'auth.account.adopted': (e) =>
          alert(
            e.userId,
            `Your verified ${e.provider} sign-in took over this account; its old password and sessions were removed`,
            e.meta,
            'adopted',
          ),
      },
      mail: ({ title, data, createdAt }) => ({
        template: 'security-alert',
        vars: {
          event: title,
          when: createdAt.toISOString(),
          ...(typeof data.ip === 'string' ? { ip: data.ip } : {}),
          ...(typeof data.userAgent === 'string' ? { userAgent: data.userAgent } : {}),
        },
      }),
    });
    this.types.register({
      name: 'role_assigned',
      description: 'A role was granted to you',
      defaultChannels: ['in_app', 'realtime'],
      from: {
        'user.role.assigned': (e) => ({
          userId: e.userId,
          title: `You were given the ${e.role} role`,
          body: `An administrator gave your account the ${e.role} role.`,
          level: 'info',
          data: { role: e.role },
          entity: { type: 'user', id: e.userId },
        }),
      },
    });
  }

  private async newDeviceAlert(
    event: DomainEvent<'auth.login.succeeded'>,
  ): Promise<NotificationDraft | null> {
    const isNew = await this.sessions.isNewDevice(
      event.userId,
      event.sessionId,
      event.meta.ip ?? null,
      event.meta.userAgent ?? null,
      KNOWN_DEVICE_DAYS,
    );
    return isNew
      ? alert(event.userId, 'A sign-in from a new device', event.meta, `login:${event.sessionId}`)
      : null;
  }
}
