import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret } from '../../config/webhook-sources.js';
import {
  isVerified,
  signWebhook,
  verifyWebhook,
  type WebhookHeaders,
} from './webhook-signature.js';

// The example published with the Standard Webhooks specification (and its reference libraries).
const SPEC = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const key = decodeWebhookSecret(SPEC.secret)!;
const other = decodeWebhookSecret(`whsec_${randomBytes(32).toString('base64')}`)!;
const body = Buffer.from(SPEC.body);
const headers: WebhookHeaders = {
  id: SPEC.id,
  timestamp: String(SPEC.timestamp),
  signature: SPEC.signature,
};
const options = { keys: [key], toleranceSeconds: 300, nowSeconds: SPEC.timestamp };

const verify = (h: Partial<WebhookHeaders>, b = body, o = options) =>
  verifyWebhook({ ...headers, ...h }, b, o);

describe('Standard Webhooks signatures', () => {
  it("signs the specification's example to its published signature", () => {
    expect(signWebhook(key, SPEC.id, SPEC.timestamp, body)).toBe(SPEC.signature);
  });

  it("verifies the specification's example", () => {
    expect(verify({})).toEqual({ id: SPEC.id, timestamp: SPEC.timestamp });
  });

  it('accepts a match among several signatures and skips other versions (v1a)', () => {
    const forged = `v1,${randomBytes(32).toString('base64')}`;
    const v1a = `v1a,${randomBytes(64).toString('base64')}`;
    expect(isVerified(verify({ signature: `${forged} ${v1a}  ${SPEC.signature}` }))).toBe(true);
  });

  it('accepts a signature made with any of the keys (rotation) and no other', () => {
    expect(isVerified(verify({}, body, { ...options, keys: [other, key] }))).toBe(true);
    expect(verify({}, body, { ...options, keys: [other] })).toEqual({
      field: 'webhook-signature',
      message: "no signature matches this source's secrets",
    });
  });

  it('verifies the bytes as received, not their decoding', () => {
    // Two bodies that decode to the same text (U+FFFD) but differ in bytes.
    const signed = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const tampered = Buffer.from([0x7b, 0x22, 0xfe, 0x22, 0x7d]);
    const signature = signWebhook(key, SPEC.id, SPEC.timestamp, signed);
    expect(isVerified(verify({ signature }, signed))).toBe(true);
    expect(verify({ signature }, tampered)).toMatchObject({ field: 'webhook-signature' });
  });

  it('refuses a changed body, id or timestamp', () => {
    expect(verify({}, Buffer.from('{"test": 2432232315}'))).toMatchObject({
      field: 'webhook-signature',
    });
    expect(verify({ id: 'msg_other' })).toMatchObject({ field: 'webhook-signature' });
    expect(
      verify({ timestamp: String(SPEC.timestamp + 1) }, body, {
        ...options,
        nowSeconds: SPEC.timestamp + 1,
      }),
    ).toMatchObject({ field: 'webhook-signature' });
  });

  it('accepts timestamps up to the tolerance away, in either direction, and no further', () => {
    const at = (nowSeconds: number) => verify({}, body, { ...options, nowSeconds });
    expect(isVerified(at(SPEC.timestamp + 300))).toBe(true);
    expect(isVerified(at(SPEC.timestamp - 300))).toBe(true);
    const outside = {
      field: 'webhook-timestamp',
      message: 'webhook-timestamp is more than 300 s away from the current time',
    };
    expect(at(SPEC.timestamp + 301)).toEqual(outside);
    expect(at(SPEC.timestamp - 301)).toEqual(outside);
  });

  it.each([
    [{ id: undefined }, 'webhook-id', 'webhook-id is required'],
    [{ id: '' }, 'webhook-id', 'webhook-id is required'],
    [
      { id: 'msg.1' },
      'webhook-id',
      'webhook-id must be 1-256 visible ASCII characters without "."',
    ],
    [
      { id: 'msg 1' },
      'webhook-id',
      'webhook-id must be 1-256 visible ASCII characters without "."',
    ],
    [
      { id: 'm'.repeat(257) },
      'webhook-id',
      'webhook-id must be 1-256 visible ASCII characters without "."',
    ],
    [{ timestamp: undefined }, 'webhook-timestamp', 'webhook-timestamp is required'],
    [
      { timestamp: '1614265330.5' },
      'webhook-timestamp',
      'webhook-timestamp must be an integer of unix seconds',
    ],
    [
      { timestamp: '1614265330abc' },
      'webhook-timestamp',
      'webhook-timestamp must be an integer of unix seconds',
    ],
    [
      { timestamp: '-1614265330' },
      'webhook-timestamp',
      'webhook-timestamp must be an integer of unix seconds',
    ],
    [
      { timestamp: '2021-02-25T15:02:10Z' },
      'webhook-timestamp',
      'webhook-timestamp must be an integer of unix seconds',
    ],
    [{ signature: undefined }, 'webhook-signature', 'webhook-signature is required'],
    [{ signature: '   ' }, 'webhook-signature', 'webhook-signature has no v1 entry'],
    [
      { signature: 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
      'webhook-signature',
      'webhook-signature must be a space-separated list of <version>,<base64>',
    ],
    [
      { signature: 'v1=g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
      'webhook-signature',
      'webhook-signature must be a space-separated list of <version>,<base64>',
    ],
    [
      { signature: `${SPEC.signature},` },
      'webhook-signature',
      'webhook-signature must be a space-separated list of <version>,<base64>',
    ],
    [
      { signature: `v1,${'A'.repeat(40)}` },
      'webhook-signature',
      'a v1 signature must be the base64 of 32 bytes',
    ],
    [
      { signature: 'v1,' },
      'webhook-signature',
      'webhook-signature must be a space-separated list of <version>,<base64>',
    ],
    [
      { signature: `v1a,${randomBytes(64).toString('base64')}` },
      'webhook-signature',
      'webhook-signature has no v1 entry',
    ],
    [
      { signature: Array(21).fill(SPEC.signature).join(' ') },
      'webhook-signature',
      'webhook-signature must be a space-separated list of <version>,<base64>',
    ],
  ])('refuses malformed headers: %j', (override, field, message) => {
    expect(verify(override)).toEqual({ field, message });
  });
});
