import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { idempotencyConfig } from '../../config/idempotency.config.js';
import { securityConfig } from '../../config/security.config.js';
import { AppException } from '../errors/app.exception.js';
import { idempotencyRequestsTotal } from '../observability/metrics.js';
import type { IdempotentRequest } from './idempotent-request.js';
import { IdempotencyRepository, type IdempotencyRowKey } from './idempotency.repository.js';

/** Answers larger than this are not stored; the key is released instead. */
export const MAX_STORED_BYTES = 1024 * 1024;
/** A claim not completed after this long belongs to an instance that died: it may be taken over. */
export const STALE_CLAIM_SECONDS = 300;
const RETRY_AFTER_SECONDS = '1';
/** Statuses that mean the request was refused before it ran; like 5xx they are not stored. */
const REFUSED = new Set([401, 403, 429]);
const DEV_FALLBACK_SECRET = 'nest-starter insecure development idempotency key';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface IdempotencyClaim extends IdempotencyRowKey {
  owner: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type IdempotencyStart =
  { outcome: 'claimed'; claim: IdempotencyClaim } | { outcome: 'replay'; response: StoredResponse };

/**
 * Idempotency-Key semantics, as Stripe defines them, for REST and GraphQL alike: the first
 * request with a key runs and its answer is kept for IDEMPOTENCY_TTL_HOURS; the same request
 * again gets that answer; another request under the key is 422; one sent while the first still
 * runs is 409. Answers that are 5xx, or 401/403/429 (refused before running), are not kept: the
 * key is released and the client may retry. Stored bodies are encrypted (they carry tokens).
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger('Idempotency');
  private readonly key: Buffer;

  constructor(
    private readonly repository: IdempotencyRepository,
    @Inject(idempotencyConfig.KEY) private readonly config: ConfigType<typeof idempotencyConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    const material = security.signingSecret ?? security.jwtSecret ?? DEV_FALLBACK_SECRET;
    this.key = Buffer.from(hkdfSync('sha256', material, '', 'idempotency-responses/v1', 32));
  }

  /**
   * Claims the key, or answers from what is stored. Throws 422 IDEMPOTENCY_KEY_REUSED for another
   * fingerprint and 409 IDEMPOTENCY_IN_PROGRESS (with Retry-After) while the first one runs.
   */
  async start(scope: string, request: IdempotentRequest): Promise<IdempotencyStart> {
    const row = { scope, route: request.route, key: request.key };
    // A row released or expiring between the claim and the read: claim again (rarely twice).
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = randomUUID();
      const claimed = await this.repository.claim(
        { ...row, fingerprint: request.fingerprint, owner },
        this.config.ttlHours,
        STALE_CLAIM_SECONDS,
      );
      if (claimed) return { outcome: 'claimed', claim: { ...row, owner } };

      const found = await this.repository.get(row);
      if (!found) continue;
      if (found.fingerprint !== request.fingerprint) {
        idempotencyRequestsTotal.inc({ outcome: 'mismatch' });
        throw new AppException(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used with another request; use a new key',
          { errors: [{ field: 'Idempotency-Key', message: 'already used with another request' }] },
        );
      }
      if (!found.completed || found.responseStatus === null || !found.responseBody) {
        idempotencyRequestsTotal.inc({ outcome: 'conflict' });
        throw inProgress();
      }
      const body = this.decrypt(row, found.responseBody);
      if (!body) {
        this.logger.warn({ route: row.route }, 'A stored answer could not be decrypted; dropped');
        await this.repository.discard(row);
        continue;
      }
      idempotencyRequestsTotal.inc({ outcome: 'replayed' });
      return {
        outcome: 'replay',
        response: { status: found.responseStatus, headers: found.responseHeaders ?? {}, body },
      };
    }
    idempotencyRequestsTotal.inc({ outcome: 'conflict' });
    throw inProgress();
  }

  /**
   * Ends a claim with the answer that was sent: stored, or released when it is not to be kept
   * (`status` is the outcome's status: for GraphQL, that of its worst error), too large, or not
   * a buffered body (`undefined`: a stream).
   */
  async finish(
    claim: IdempotencyClaim,
    outcomeStatus: number,
    response: { status: number; headers: Record<string, string>; body: Buffer | undefined },
  ): Promise<void> {
    const keep =
      outcomeStatus < 500 &&
      !REFUSED.has(outcomeStatus) &&
      response.body !== undefined &&
      response.body.length <= MAX_STORED_BYTES;
    try {
      if (keep) {
        const body = this.encrypt(claim, response.body!);
        if (await this.repository.complete(claim, { ...response, body })) {
          idempotencyRequestsTotal.inc({ outcome: 'stored' });
          return;
        }
      }
      await this.release(claim);
    } catch (error) {
      // The answer still goes out; the claim ends with STALE_CLAIM_SECONDS at worst.
      this.logger.error({ err: error, route: claim.route }, 'Could not store an idempotent answer');
    }
  }

  /** Gives the key up without storing anything. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.repository.release(claim);
    idempotencyRequestsTotal.inc({ outcome: 'released' });
  }

  private encrypt(row: IdempotencyRowKey, plain: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(row));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
  }

  private decrypt(row: IdempotencyRowKey, stored: Buffer): Buffer | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, stored.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(row));
      decipher.setAuthTag(stored.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(stored.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return undefined;
    }
  }
}

/** Binds a stored answer to its row: it cannot be moved to another caller's key. */
const associatedData = ({ scope, route, key }: IdempotencyRowKey): Buffer =>
  Buffer.from(`${scope}\n${route}\n${key}`, 'utf8');

const inProgress = (): AppException =>
  new AppException(
    'IDEMPOTENCY_IN_PROGRESS',
    'A request with this Idempotency-Key is still being processed; retry shortly',
    { headers: { 'Retry-After': RETRY_AFTER_SECONDS } },
  );
