import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { apiKeysConfig } from '../../config/api-keys.config.js';
import { ApiKeyAuthenticator } from '../../core/auth/auth.guard.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { LockoutStore } from '../../core/rate-limit/lockout/lockout.store.js';
import {
  countHits,
  headersOrRefusal,
  trackerOf,
} from '../../core/rate-limit/rate-limit-counter.js';
import { RateLimitStorage } from '../../core/rate-limit/rate-limit.module.js';
import { hashApiKey, isWellFormedApiKey } from './api-key-format.js';
import { ApiKeyCache } from './api-key-cache.js';
import { type ApiKeyForAuth, ApiKeysRepository } from './api-keys.repository.js';

const MINUTE_MS = 60_000;
const IPV6_SUBNET_PREFIX = 64;
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = MINUTE_MS;

const unauthenticated = (): AppException =>
  new AppException('UNAUTHENTICATED', 'A valid access token is required');

/**
 * Authenticates `nsk_…` keys for the AuthGuard. In order: the client IP's bad-key lock (no
 * lookup once an IP has presented too many invalid keys), the shape and CRC32 checksum (a
 * made-up key costs no query), the key by its SHA-256 (cached, see ApiKeyCache), then the key's
 * own rate limit bucket (`apikey:<id>`). Every refusal is the same 401, whatever the reason.
 */
@Injectable()
export class ApiKeyAuthenticatorService extends ApiKeyAuthenticator {
  private readonly logger = new Logger('ApiKeys');
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly cache: ApiKeyCache,
    private readonly lockouts: LockoutStore,
    private readonly rateLimits: RateLimitStorage,
    @Inject(apiKeysConfig.KEY) private readonly config: ConfigType<typeof apiKeysConfig>,
  ) {
    super();
  }

  async authenticate(key: string, ip: string): Promise<AuthUser> {
    const ipKey = `apikey-invalid:${trackerOf(undefined, ip, IPV6_SUBNET_PREFIX)}`;
    const lockedMs = await this.lockouts.lockedForMs(ipKey);
    if (lockedMs > 0) throw tooManyInvalid(lockedMs);
    if (!isWellFormedApiKey(key)) return this.refuse(ipKey);

    const hash = hashApiKey(key);
    const found = this.cache.get(hash) ?? (await this.load(hash));
    if (!found || !usable(found)) return this.refuse(ipKey);

    await this.limit(found.id);
    this.touch(found.id);
    return {
      id: found.ownerId,
      roles: [],
      apiKey: { id: found.id, scopes: found.scopes, ownerRoles: found.ownerRoles },
    };
  }

  private async load(hash: string): Promise<ApiKeyForAuth | null> {
    const found = await this.repository.findForAuth(hash);
    if (found) this.cache.set(hash, found);
    return found;
  }

  /** Counts the IP's invalid key and locks it out for a minute at the limit. */
  private async refuse(ipKey: string): Promise<never> {
    const hits = await this.lockouts.increment(ipKey, MINUTE_MS);
    if (hits >= this.config.invalidPerIpPerMinute) await this.lockouts.lock(ipKey, MINUTE_MS);
    throw unauthenticated();
  }

  private async limit(id: string): Promise<void> {
    const limit = this.config.ratePerMinute;
    const numbers = { limit, ttl: MINUTE_MS, blockDuration: MINUTE_MS };
    headersOrRefusal(
      await countHits(this.rateLimits.store, `apikey:${id}`, 'apikey', numbers),
      limit,
    );
  }

  /** last_used_at, at most once a minute per key (the UPDATE re-checks it across instances). */
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(id, now);
    this.repository.touch(id).catch((err: unknown) => {
      this.touched.delete(id);
      this.logger.warn({ err, apiKeyId: id }, 'Could not record the last use of an API key');
    });
  }
}

const usable = (key: ApiKeyForAuth): boolean =>
  !key.revoked && key.ownerActive && new Date(key.expiresAt).getTime() > Date.now();

function tooManyInvalid(lockedMs: number): AppException {
  const seconds = String(Math.max(1, Math.ceil(lockedMs / 1000)));
  return new AppException('RATE_LIMIT_EXCEEDED', 'Too many invalid API keys, retry later', {
    headers: { 'Retry-After': seconds },
  });
}
