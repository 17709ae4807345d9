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

/**
 * Per-account brute-force defence, keyed by email + client IP (so nobody can lock a victim out
 * from elsewhere) in its own store (Redis when configured, so shared by every instance).
 * AUTH_LOGIN_MAX_FAILURES failures within AUTH_LOGIN_FAILURE_WINDOW_SECONDS lock the pair for
 * 1 min, then 2, 4 ... up to 1 h while failures continue; a successful login clears it all.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    private readonly store: LockoutStore,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @InjectMetric('logins_total') private readonly logins: Counter<'result'>,
  ) {}

  /** Throws 429 with Retry-After while the pair is locked; call before checking the password. */
  async assertNotLocked(email: string, ip: string | null): Promise<void> {
    const lockedForMs = await this.store.lockedForMs(`login:${this.id(email, ip)}`);
    if (lockedForMs === 0) return;
    this.logins.inc({ result: 'locked' });
    const retryAfter = String(Math.max(1, Math.ceil(lockedForMs / 1000)));
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many failed logins, retry later', {
      headers: { 'Retry-After': retryAfter },
    });
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    const id = this.id(email, ip);
    const windowMs = this.config.loginFailureWindowSeconds * 1000;
    const failures = await this.store.increment(`fail:${id}`, windowMs);
    if (failures < this.config.loginMaxFailures) return;
    const strikes = await this.store.increment(`strike:${id}`, STRIKES_TTL_MS);
    const lockMs = Math.min(FIRST_LOCK_MS * 2 ** Math.min(strikes - 1, 20), MAX_LOCK_MS);
    await this.store.lock(`login:${id}`, lockMs);
    await this.store.reset(`fail:${id}`);
  }

  async recordSuccess(email: string, ip: string | null): Promise<void> {
    const id = this.id(email, ip);
    await this.store.reset(`fail:${id}`, `strike:${id}`);
  }

  // Hashed: no email addresses in Redis keys.
  private id(email: string, ip: string | null): string {
    return createHash('sha256')
      .update(`${email.trim().toLowerCase()}\n${ip ?? 'unknown'}`)
      .digest('base64url');
  }
}
