import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import { authConfig } from '../../config/auth.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { LockoutStore } from '../../core/rate-limit/lockout/lockout.store.js';

const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 3_600_000;
/** How long earlier locks count towards the next one's length. */
const STRIKES_TTL_MS = 86_400_000;

/** Every `result` label of `logins_total` (its help text lists them). */
export const LOGIN_RESULTS = [
  'success',
  'failure',
  'locked',
  'banned',
  'unverified',
  'otp_required',
  'deleted',
  'restored',
] as const;
export type LoginResult = (typeof LOGIN_RESULTS)[number];

/**
 * Brute-force defence in its own store (Redis when configured, so shared by every instance), at
 * two levels. Per email + client IP (so nobody locks a victim out from elsewhere):
 * AUTH_LOGIN_MAX_FAILURES failures within AUTH_LOGIN_FAILURE_WINDOW_SECONDS lock the pair for
 * 1 min, then 2, 4 ... up to 1 h while failures continue. Per account (the email alone, across
 * every IP, against guesses spread over many addresses): the AUTH_LOGIN_ACCOUNT_MAX_FAILURES-th
 * failure within AUTH_LOGIN_ACCOUNT_WINDOW_SECONDS locks the email for
 * AUTH_LOGIN_ACCOUNT_LOCK_SECONDS. Unknown emails are counted and locked alike.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    private readonly store: LockoutStore,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @InjectMetric('logins_total') private readonly logins: Counter<'result'>,
  ) {}

  /** Throws 429 with Retry-After while the pair or the account is locked; call before argon2. */
  async assertNotLocked(email: string, ip: string | null): Promise<void> {
    const [pair, account] = await Promise.all([
      this.store.lockedForMs(`login:${this.pairId(email, ip)}`),
      this.store.lockedForMs(`account-login:${this.accountId(email)}`),
    ]);
    const lockedForMs = Math.max(pair, account);
    if (lockedForMs === 0) return;
    this.count('locked');
    const retryAfter = String(Math.max(1, Math.ceil(lockedForMs / 1000)));
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many failed logins, retry later', {
      headers: { 'Retry-After': retryAfter },
    });
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    await Promise.all([this.pairFailure(this.pairId(email, ip)), this.accountFailure(email)]);
  }

  /**
   * Clears the pair's counters and the account's failure count: the password was right, so the
   * earlier failures were most likely the owner's own. An attacker gains nothing from it (they
   * cannot sign in), and the owner is not locked out later by guesses made before their login.
   */
  async recordSuccess(email: string, ip: string | null): Promise<void> {
    const id = this.pairId(email, ip);
    await this.store.reset(`fail:${id}`, `strike:${id}`, `account-fail:${this.accountId(email)}`);
  }

  count(result: LoginResult): void {
    this.logins.inc({ result });
  }

  private async pairFailure(id: string): Promise<void> {
    const windowMs = this.config.loginFailureWindowSeconds * 1000;
    const failures = await this.store.increment(`fail:${id}`, windowMs);
    if (failures < this.config.loginMaxFailures) return;
    const strikes = await this.store.increment(`strike:${id}`, STRIKES_TTL_MS);
    const lockMs = Math.min(FIRST_LOCK_MS * 2 ** Math.min(strikes - 1, 20), MAX_LOCK_MS);
    await this.store.lock(`login:${id}`, lockMs);
    await this.store.reset(`fail:${id}`);
  }

  private async accountFailure(email: string): Promise<void> {
    const id = this.accountId(email);
    const windowMs = this.config.accountLoginWindowSeconds * 1000;
    const failures = await this.store.increment(`account-fail:${id}`, windowMs);
    if (failures < this.config.accountLoginMaxFailures) return;
    await this.store.lock(`account-login:${id}`, this.config.accountLoginLockSeconds * 1000);
    await this.store.reset(`account-fail:${id}`);
  }

  // Hashed: no email addresses in Redis keys.
  private pairId(email: string, ip: string | null): string {
    return sha256Id(`${normalise(email)}\n${ip ?? 'unknown'}`);
  }

  private accountId(email: string): string {
    return sha256Id(`account\n${normalise(email)}`);
  }
}

const normalise = (email: string): string => email.trim().toLowerCase();
const sha256Id = (text: string): string => createHash('sha256').update(text).digest('base64url');
