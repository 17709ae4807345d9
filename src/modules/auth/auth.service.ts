import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { authConfig } from '../../config/auth.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { AccessRevocationsService } from '../../core/auth/access-revocations.service.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { ClientInfo } from '../../core/http/client-info.decorator.js';
import { MailService } from '../../core/mail/mail.service.js';
import { type Admission, RegistrationGate } from '../invites/registration-gate.service.js';
import { AccountsRepository } from './accounts.repository.js';
import { sha256 } from './crypto.js';
import type { AuthPayloadDto } from './dto/auth-payload.dto.js';
import type { LoginInput, RegisterInput, RestoreAccountInput } from './dto/auth.inputs.js';
import { toUserDto, type UserDto } from './dto/user.dto.js';
import { LoginAttemptsService } from './login-attempts.service.js';
import { PasswordService } from './password.service.js';
import { SessionIssuer } from './session-issuer.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { TwoFactorService } from './two-factor.service.js';
import type { UserWithRoles } from './user.entity.js';
import { type NewAccount, UsersRepository } from './users.repository.js';

const INVALID_CREDENTIALS = 'Invalid email or password';
const INVALID_REFRESH = 'The refresh token is invalid or expired';

export function isBanned(user: UserWithRoles, now = new Date()): boolean {
  return user.bannedAt !== null && (user.bannedUntil === null || user.bannedUntil > now);
}

/** What a new registration awaiting verification answers; the id is random, never stored. */
function unsavedUser(input: RegisterInput): UserDto {
  return {
    id: randomUUID(),
    email: input.email,
    username: input.username ?? null,
    emailVerified: false,
    firstName: null,
    lastName: null,
    bio: null,
    timezone: null,
    locale: null,
    avatarFileId: null,
    roles: ['user'],
    createdAt: new Date(),
  };
}

/** Registration, login, account restore, refresh-token rotation with reuse detection, logout. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly passwords: PasswordService,
    private readonly issuer: SessionIssuer,
    private readonly events: EventBus,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @InjectMetric('users_registered_total') private readonly registered: Counter,
    private readonly attempts: LoginAttemptsService,
    private readonly twoFactor: TwoFactorService,
    private readonly mail: MailService,
    // Provided by the global InvitesModule; absent only where it is not imported (open mode).
    private readonly gate: RegistrationGate,
    private readonly accounts: AccountsRepository,
    private readonly revocations: AccessRevocationsService,
  ) {}

  /**
   * A taken email or username answers 409, unless AUTH_REGISTRATION_ENUMERATION_SAFE: then a
   * taken email gets the answer of a new registration awaiting verification (after the same
   * argon2 work, with an id that is never stored) and its owner a mail; nothing is written.
   */
  async register(input: RegisterInput, client: ClientInfo): Promise<AuthPayloadDto> {
    // REGISTRATION_MODE, the invite and CONSENT_REQUIRED, before any work (see RegistrationGate).
    const admission = await this.gate.admit(input, client);
    this.passwords.assertStrong(input.password, 'password', input.email);
    const passwordHash = await this.passwords.hash(input.password);
    const account = { email: input.email, username: input.username, passwordHash };
    const user = admission
      ? await this.createAdmitted(admission, account)
      : await this.users.create(account);
    if (!user) return this.registrationTaken(input);
    this.registered.inc();
    this.events.emit('auth.registered', { userId: user.id, email: user.email });
    // With verified email required, the account signs in once the emailed link is confirmed.
    if (this.config.requireVerifiedEmail && !user.emailVerifiedAt) return { user: toUserDto(user) };
    return this.issuer.start(user, client);
  }

  /**
   * Unknown email and wrong password get the same answer after the same argon2 work; a locked
   * email + IP pair or account (see LoginAttemptsService) is refused before any of it. A deleted
   * account inside its restore window answers 403 ACCOUNT_DELETED to the right password only.
   * With two-factor on, a right password still needs `otp` (a TOTP code or an unused backup code).
   */
  async login(input: LoginInput, client: ClientInfo): Promise<AuthPayloadDto> {
    await this.attempts.assertNotLocked(input.email, client.ip);
    const found = await this.accounts.getForSignIn(input.email, this.config.accountRestoreDays);
    const user = await this.checkPassword(found, input, client);
    if (user.deletedAt) {
      this.attempts.count('deleted');
      throw new AppException(
        'ACCOUNT_DELETED',
        'This account is deleted; restore it with POST /auth/restore',
      );
    }
    await this.admit(user, input, client);
    return this.signedIn(user, input, client, 'success');
  }

  /**
   * Brings back the caller's own deleted account inside the restore window, with the checks and
   * throttles of a login (password, ban, verified email, two-factor), and opens a session. An
   * unknown email, a wrong password or a window that has passed answer like a failed login; a
   * live account with the right password answers 409 (sign in instead).
   */
  async restore(input: RestoreAccountInput, client: ClientInfo): Promise<AuthPayloadDto> {
    await this.attempts.assertNotLocked(input.email, client.ip);
    const days = this.config.accountRestoreDays;
    const user = await this.checkPassword(
      await this.accounts.getForSignIn(input.email, days),
      input,
      client,
    );
    if (!user.deletedAt) {
      throw new AppException(
        'CONFLICT',
        'This account is not deleted; sign in with POST /auth/login',
      );
    }
    await this.admit(user, input, client);
    // The window may have closed (or a parallel restore won) since the account was read.
    if (!(await this.accounts.restore(user.id, days))) {
      throw new AppException('UNAUTHENTICATED', INVALID_CREDENTIALS);
    }
    await this.revocations.unblockUsers([user.id]);
    this.events.emit('user.restored', { userId: user.id });
    return this.signedIn({ ...user, deletedAt: null }, input, client, 'restored');
  }

  /**
   * Rotates the refresh token. Presenting a token that was already rotated means it leaked
   * (or a client raced itself): the whole session is revoked and a security event emitted.
   */
  async refresh(refreshToken: string): Promise<AuthPayloadDto> {
    const hash = sha256(refreshToken);
    const found = await this.sessions.findByTokenHash(hash);
    if (found.kind === 'unknown') throw new AppException('UNAUTHENTICATED', INVALID_REFRESH);
    const { session } = found;
    if (found.kind === 'rotated') {
      await this.revokeForReuse(session.id, session.userId);
      throw new AppException('UNAUTHENTICATED', INVALID_REFRESH);
    }
    const now = new Date();
    if (session.revokedAt || session.expiresAt <= now || session.absoluteExpiresAt <= now) {
      throw new AppException('UNAUTHENTICATED', INVALID_REFRESH);
    }
    const user = await this.users.getById(session.userId);
    if (!user || isBanned(user)) {
      await this.sessions.revoke(session.id, user ? 'banned' : 'user_gone');
      throw new AppException('UNAUTHENTICATED', INVALID_REFRESH);
    }
    const next = randomBytes(32).toString('base64url');
    const expiresAt = this.issuer.slidingExpiry(now, session.absoluteExpiresAt);
    if (!(await this.sessions.rotate(session.id, hash, sha256(next), expiresAt))) {
      await this.revokeForReuse(session.id, session.userId);
      throw new AppException('UNAUTHENTICATED', INVALID_REFRESH);
    }
    return this.issuer.payload(user, session.id, next);
  }

  async logout(actor: AuthUser, refreshToken?: string): Promise<void> {
    if (refreshToken) {
      const found = await this.sessions.findByTokenHash(sha256(refreshToken));
      if (found.kind === 'current' && found.session.userId === actor.id) {
        await this.sessions.revoke(found.session.id, 'logout');
      }
    }
    if (actor.sessionId) await this.sessions.revoke(actor.sessionId, 'logout');
    this.events.emit('auth.logout', { userId: actor.id, sessionId: actor.sessionId ?? '' });
  }

  /** The account, its invite and its consents in one transaction (RegistrationGate). */
  private async createAdmitted(
    admission: Admission,
    account: NewAccount,
  ): Promise<UserWithRoles | undefined> {
    const id = await this.users.createAccount(account, this.gate.withinAccount(admission));
    if (!id) return undefined;
    this.gate.registered(admission, id);
    return this.users.getById(id);
  }

  private async registrationTaken(input: RegisterInput): Promise<AuthPayloadDto> {
    if (!this.config.registrationEnumerationSafe) {
      throw new AppException('CONFLICT', 'An account with this email or username already exists');
    }
    // Usernames are public handles; what stays secret is whether an email has an account.
    const taken = await this.users.takenBy(input.email, input.username);
    if (taken.username) {
      throw new AppException('CONFLICT', 'This username is already taken', {
        errors: [{ field: 'username', message: 'is already taken' }],
      });
    }
    // Like the verification mail of a new account, sent after the answer.
    void this.noticeToOwner(input.email).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Could not queue the registration notice');
    });
    return { user: unsavedUser(input) };
  }

  private async noticeToOwner(email: string): Promise<void> {
    const owner = await this.users.getByEmailWithPassword(email);
    if (!owner) return; // a deleted account: nobody to tell
    await this.mail.send(owner.email, 'registration-existing', { link: this.mail.link('/login') });
  }

  /** The account, when the password is its own; else 401 (counted and audited). */
  private async checkPassword(
    user: UserWithRoles | undefined,
    input: LoginInput,
    client: ClientInfo,
  ): Promise<UserWithRoles> {
    const valid = await this.passwords.verify(user?.passwordHash, input.password);
    if (user && valid) return user;
    await this.failed(input.email, client, user);
    throw new AppException('UNAUTHENTICATED', INVALID_CREDENTIALS);
  }

  /** What a right password still has to pass: ban, verified email, the second factor. */
  private async admit(user: UserWithRoles, input: LoginInput, client: ClientInfo): Promise<void> {
    if (isBanned(user)) {
      this.attempts.count('banned');
      this.events.emit('auth.login.failed', {
        email: input.email,
        ...this.owner(user),
        reason: 'banned',
      });
      throw new AppException('FORBIDDEN', 'This account is suspended');
    }
    if (this.config.requireVerifiedEmail && !user.emailVerifiedAt) {
      this.attempts.count('unverified');
      this.events.emit('auth.login.failed', {
        email: input.email,
        ...this.owner(user),
        reason: 'unverified',
      });
      throw new AppException(
        'EMAIL_NOT_VERIFIED',
        'Confirm the email address with the link sent to it before signing in',
      );
    }
    const secondFactor = await this.twoFactor.verifyLogin(user.id, input.otp, {
      deleted: user.deletedAt !== null,
    });
    if (secondFactor === 'missing') {
      this.attempts.count('otp_required');
      throw new AppException('OTP_REQUIRED', 'A one-time code from the authenticator is required');
    }
    if (secondFactor === 'invalid') {
      await this.failed(input.email, client, user, 'invalid_otp');
      throw new AppException('UNAUTHENTICATED', 'The one-time code is invalid');
    }
  }

  private async signedIn(
    user: UserWithRoles,
    input: LoginInput,
    client: ClientInfo,
    result: 'success' | 'restored',
  ): Promise<AuthPayloadDto> {
    await this.attempts.recordSuccess(input.email, client.ip);
    const payload = await this.issuer.start(user, client);
    this.attempts.count(result);
    return payload;
  }

  /**
   * A failed attempt against a live account is recorded as the account's own (`userId`: its
   * security log shows it, with IP and user agent); one against an unknown email or a deleted
   * account names nobody (admins see it in the full log), so it reveals nothing.
   */
  private async failed(
    email: string,
    client: ClientInfo,
    user: UserWithRoles | undefined,
    reason: 'invalid_credentials' | 'invalid_otp' = 'invalid_credentials',
  ): Promise<void> {
    this.attempts.count('failure');
    this.events.emit('auth.login.failed', { email, ...this.owner(user), reason });
    await this.attempts.recordFailure(email, client.ip);
  }

  private owner(user: UserWithRoles | undefined): { userId?: string } {
    return user && !user.deletedAt ? { userId: user.id } : {};
  }

  private async revokeForReuse(sessionId: string, userId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'refresh_reuse');
    this.events.emit('auth.refresh.reused', { userId, sessionId });
  }
}
