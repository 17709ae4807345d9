import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEvent, EventMeta } from '../../core/events/domain-events.js';
import { MailService } from '../../core/mail/mail.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from './users.repository.js';

/** How far back a sign-in's IP + user agent pair counts as a known device. */
export const KNOWN_DEVICE_DAYS = 30;

/**
 * Mails the `security-alert` template on a password change, a password reset and a sign-in from
 * a new device (an IP + user agent pair not seen in the user's sessions of the last 30 days).
 * An email change already sends its own notice to the old address. Failures are logged and never
 * reach the request that emitted the event.
 */
@Injectable()
export class SecurityAlertsListener {
  private readonly logger = new Logger(SecurityAlertsListener.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly mail: MailService,
  ) {}

  @OnEvent('auth.password.changed')
  async onPasswordChanged(event: DomainEvent<'auth.password.changed'>): Promise<void> {
    await this.alert(event.userId, 'Your password was changed', event.meta);
  }

  @OnEvent('auth.password.reset')
  async onPasswordReset(event: DomainEvent<'auth.password.reset'>): Promise<void> {
    await this.alert(event.userId, 'Your password was reset', event.meta);
  }

  @OnEvent('auth.login.succeeded')
  async onLogin(event: DomainEvent<'auth.login.succeeded'>): Promise<void> {
    try {
      const isNew = await this.sessions.isNewDevice(
        event.userId,
        event.sessionId,
        event.meta.ip ?? null,
        event.meta.userAgent ?? null,
        KNOWN_DEVICE_DAYS,
      );
      if (isNew) await this.alert(event.userId, 'A sign-in from a new device', event.meta);
    } catch (error) {
      this.logger.warn({ err: error, userId: event.userId }, 'Could not check the sign-in device');
    }
  }

  private async alert(userId: string, what: string, meta: EventMeta): Promise<void> {
    try {
      const user = await this.users.getById(userId);
      if (!user) return;
      await this.mail.send(user.email, 'security-alert', {
        event: what,
        when: meta.occurredAt,
        ...(meta.ip ? { ip: meta.ip } : {}),
        ...(meta.userAgent ? { userAgent: meta.userAgent } : {}),
      });
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'Could not queue the security alert mail');
    }
  }
}
