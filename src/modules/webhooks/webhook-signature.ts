import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { FieldError } from '../../core/errors/error-codes.js';

/** The three Standard Webhooks headers, as received (undefined when absent). */
export interface WebhookHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

export interface VerifiedWebhook {
  id: string;
  /** webhook-timestamp, unix seconds. */
  timestamp: number;
}

export interface VerifyOptions {
  keys: readonly KeyObject[];
  toleranceSeconds: number;
  nowSeconds: number;
}

// No "." (the signed content is `${id}.${timestamp}.${body}`), no spaces or controls.
const MESSAGE_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;
const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE_ENTRY = /^(v[0-9a-z]+),([A-Za-z0-9+/]+={0,2})$/;
const HMAC_BYTES = 32;
const MAX_SIGNATURES = 20;

const problem = (field: string, message: string): FieldError => ({ field, message });

/** `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">`, over the body's bytes as received. */
export function signWebhook(
  key: KeyObject,
  id: string,
  timestamp: number | string,
  body: Buffer,
): string {
  return `v1,${hmac(key, id, timestamp, body).toString('base64')}`;
}

function hmac(key: KeyObject, id: string, timestamp: number | string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/**
 * Checks a delivery per Standard Webhooks: id and timestamp well-formed, the timestamp within
 * ±toleranceSeconds of now, and one `v1` signature in the space-separated list matching one of
 * the keys (compared in constant time). Entries of other versions (`v1a`, ...) are skipped.
 * Returns the verified id and timestamp, or the first problem, naming its header.
 */
export function verifyWebhook(
  headers: WebhookHeaders,
  body: Buffer,
  options: VerifyOptions,
): VerifiedWebhook | FieldError {
  const { id, timestamp: rawTimestamp, signature } = headers;
  if (!id) return problem('webhook-id', 'webhook-id is required');
  if (!MESSAGE_ID.test(id)) {
    return problem('webhook-id', 'webhook-id must be 1-256 visible ASCII characters without "."');
  }
  if (!rawTimestamp) return problem('webhook-timestamp', 'webhook-timestamp is required');
  if (!TIMESTAMP.test(rawTimestamp)) {
    return problem('webhook-timestamp', 'webhook-timestamp must be an integer of unix seconds');
  }
  const timestamp = Number(rawTimestamp);
  if (Math.abs(options.nowSeconds - timestamp) > options.toleranceSeconds) {
    return problem(
      'webhook-timestamp',
      `webhook-timestamp is more than ${options.toleranceSeconds} s away from the current time`,
    );
  }
  if (!signature) return problem('webhook-signature', 'webhook-signature is required');
  const entries = signature.split(' ').filter(Boolean);
  const given: Buffer[] = [];
  for (const entry of entries) {
    const match = SIGNATURE_ENTRY.exec(entry);
    if (!match || entries.length > MAX_SIGNATURES) {
      return problem(
        'webhook-signature',
        'webhook-signature must be a space-separated list of <version>,<base64>',
      );
    }
    if (match[1] !== 'v1') continue;
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.length !== HMAC_BYTES) {
      return problem('webhook-signature', 'a v1 signature must be the base64 of 32 bytes');
    }
    given.push(bytes);
  }
  if (given.length === 0) return problem('webhook-signature', 'webhook-signature has no v1 entry');
  // Signed as sent: the header's own digits, the body's own bytes.
  const expected = options.keys.map((key) => hmac(key, id, rawTimestamp, body));
  // Every pair is compared, so the time taken does not tell which one matched.
  let matched = false;
  for (const mac of expected) {
    for (const candidate of given) matched = timingSafeEqual(mac, candidate) || matched;
  }
  if (!matched) return problem('webhook-signature', "no signature matches this source's secrets");
  return { id, timestamp };
}

export const isVerified = (result: VerifiedWebhook | FieldError): result is VerifiedWebhook =>
  !('field' in result);
