import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import { authConfig } from '../../config/auth.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { RateLimitStorage } from '../../core/rate-limit/rate-limit.module.js';

const NAME = 'login';
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 3_600_000;
/** How long earlier locks count towards the next one's length. */
const STRIKES_TTL_MS = 86_400_000;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * Per-account brute-force defence, keyed by email + client IP (so nobody can lock a victim out
 * from elsewhere) in the rate-limit store (Redis when configured, so shared by every instance).
 * AUTH_LOGIN_MAX_FAILURES failures within AUTH_LOGIN_FAILURE_WINDOW_SECONDS lock the pair for
 * 1 min, then 2, 4 ... up to 1 h while failures continue; a successful login clears it all.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    private readonly storage: RateLimitStorage,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @InjectMetric('logins_total') private readonly logins: Counter<'result'>,
  ) {}

  /** Throws 429 with Retry-After while the pair is locked; call before checking the password. */
  async assertNotLocked(email: string, ip: string | null): Promise<void> {
    const id = this.id(email, ip);
    // A huge limit never blocks by itself: this only reads the lock set by `lock`.
    const record = await this.storage.store.increment(`lock:${id}`, 1000, UNLIMITED, 0, NAME);
    if (!record.isBlocked) return;
    this.logins.inc({ result: 'locked' });
    const retryAfter = String(Math.max(1, record.timeToBlockExpire));
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many failed logins, retry later', {
      headers: { 'Retry-After': retryAfter },
    });
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    const id = this.id(email, ip);
    const store = this.storage.store;
    const windowMs = this.config.loginFailureWindowSeconds * 1000;
    const failures = await store.increment(`fail:${id}`, windowMs, UNLIMITED, 0, NAME);
    if (failures.totalHits < this.config.loginMaxFailures) return;
    const strikes = await store.increment(`strike:${id}`, STRIKES_TTL_MS, UNLIMITED, 0, NAME);
    const lockMs = Math.min(FIRST_LOCK_MS * 2 ** Math.min(strikes.totalHits - 1, 20), MAX_LOCK_MS);
    // Limit 0: this hit is over the limit, so the store blocks the key for lockMs.
    await store.increment(`lock:${id}`, lockMs, 0, lockMs, NAME);
    await store.reset(`fail:${id}`, NAME);
  }

  async recordSuccess(email: string, ip: string | null): Promise<void> {
    const id = this.id(email, ip);
    await this.storage.store.reset(`fail:${id}`, NAME);
    await this.storage.store.reset(`strike:${id}`, NAME);
  }

  // Hashed: no email addresses in Redis keys.
  private id(email: string, ip: string | null): string {
    return createHash('sha256')
      .update(`${email.trim().toLowerCase()}\n${ip ?? 'unknown'}`)
      .digest('base64url');
  }
}
