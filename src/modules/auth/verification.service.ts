import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import { authConfig } from '../../config/auth.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { DomainEvent } from '../../core/events/domain-events.js';
import { EventBus } from '../../core/events/event-bus.js';
import { MailService } from '../../core/mail/mail.service.js';
import { sha256 } from './crypto.js';
import { PasswordService } from './password.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { UserTokensRepository } from './user-tokens.repository.js';
import { UsersRepository } from './users.repository.js';

const invalidToken = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The token is invalid or expired', {
    errors: [{ field: 'token', message: 'is invalid, expired or already used' }],
  });

/** Email verification and password reset through single-use mailed tokens. */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: UserTokensRepository,
    private readonly passwords: PasswordService,
    private readonly mail: MailService,
    private readonly events: EventBus,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Mails a fresh verification link (older links stop working). */
  async sendVerification(user: { id: string; email: string }): Promise<void> {
    const token = await this.issue(user.id, 'verify_email', this.config.verifyEmailTtlSeconds);
    await this.mail.send(user.email, 'verify-email', {
      link: this.mail.link('/verify-email', { token }),
    });
  }

  /** After registration: the account exists already, so a mail failure is logged, not thrown. */
  @OnEvent('auth.registered')
  async onRegistered(event: DomainEvent<'auth.registered'>): Promise<void> {
    try {
      await this.sendVerification({ id: event.userId, email: event.email });
    } catch (error) {
      this.logger.warn(
        { err: error, userId: event.userId },
        'Could not queue the verification mail',
      );
    }
  }

  /** A new verification mail, unless the address is verified already. */
  async resendVerification(actor: AuthUser): Promise<void> {
    const user = await this.users.getById(actor.id);
    if (!user) throw new AppException('NOT_FOUND', 'User not found');
    if (user.emailVerifiedAt) return;
    await this.sendVerification(user);
  }

  async verifyEmail(token: string): Promise<void> {
    const userId = await this.tokens.consume(sha256(token), 'verify_email', (id, tx) =>
      this.users.markEmailVerified(id, tx),
    );
    if (!userId) throw invalidToken();
    this.events.emit('auth.email.verified', { userId });
  }

  /** Same answer whether or not the account exists; only existing accounts get a mail. */
  /**
   * Answers at once, whether or not the account exists: the lookup, the token and the mail run
   * after the response (still inside the request's context, so its id reaches the mail job), so
   * neither the body nor the timing tells which emails are registered.
   */
  async requestPasswordReset(email: string): Promise<void> {
    void this.sendReset(email.trim().toLowerCase()).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'password reset mail could not be queued');
    });
  }

  private async sendReset(email: string): Promise<void> {
    const user = await this.users.getByEmailWithPassword(email);
    if (!user) return;
    const token = await this.issue(user.id, 'reset_password', this.config.resetPasswordTtlSeconds);
    await this.mail.send(user.email, 'reset-password', {
      link: this.mail.link('/reset-password', { token }),
    });
  }

  /** Sets the new password and ends every session; a weak password leaves the token usable. */
  async resetPassword(token: string, password: string): Promise<void> {
    const hash = sha256(token);
    const candidate = await this.tokens.findUsable(hash, 'reset_password');
    const user = candidate ? await this.users.getById(candidate) : undefined;
    if (!user) throw invalidToken();
    this.passwords.assertStrong(password, 'password', user.email);
    const passwordHash = await this.passwords.hash(password);
    const userId = await this.tokens.consume(hash, 'reset_password', (id, tx) =>
      this.users.updatePasswordHash(id, passwordHash, tx),
    );
    if (!userId) throw invalidToken();
    await this.sessions.revokeAllExcept(userId, undefined, 'password_reset');
    this.events.emit('auth.password.reset', { userId });
  }

  private async issue(
    userId: string,
    purpose: 'verify_email' | 'reset_password',
    ttlSeconds: number,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.issue(
      userId,
      purpose,
      sha256(token),
      new Date(Date.now() + ttlSeconds * 1000),
    );
    return token;
  }
}
