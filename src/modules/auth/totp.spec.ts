import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  otpauthUrl,
  totp,
  verifyTotp,
} from './totp.js';

// RFC 6238 appendix B, SHA-1 rows: the ASCII key "12345678901234567890", 8 digits.
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1_111_111_109, '07081804'],
  [1_111_111_111, '14050471'],
  [1_234_567_890, '89005924'],
  [2_000_000_000, '69279037'],
  [20_000_000_000, '65353130'],
];

describe('totp', () => {
  it('matches the RFC 6238 test vectors (SHA-1)', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    for (const [seconds, expected] of VECTORS) {
      expect(totp(RFC_SECRET, seconds * 1000, 8)).toBe(expected);
    }
  });

  it('uses the last 6 digits by default', () => {
    expect(totp(RFC_SECRET, 59_000)).toBe('287082');
  });

  it('accepts one step of drift either way and nothing further', () => {
    const now = 1_111_111_111_000;
    const code = totp(RFC_SECRET, now);
    expect(verifyTotp(RFC_SECRET, code, now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, code, now + 30_000)).toBe(true);
    expect(verifyTotp(RFC_SECRET, code, now - 30_000)).toBe(true);
    expect(verifyTotp(RFC_SECRET, code, now + 90_000)).toBe(false);
    expect(verifyTotp(RFC_SECRET, '12345', now)).toBe(false);
    expect(verifyTotp(RFC_SECRET, 'abcdef', now)).toBe(false);
  });

  it('round-trips base32 and makes 160-bit secrets', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Encode(base32Decode(secret))).toBe(secret);
    expect(base32Decode('MZXW6YQ').toString()).toBe('foob');
    expect(() => base32Decode('1')).toThrow();
  });

  it('builds an otpauth URL', () => {
    expect(otpauthUrl('My App', 'ada@example.com', 'ABC')).toBe(
      'otpauth://totp/My%20App%3Aada%40example.com?secret=ABC&issuer=My+App&algorithm=SHA1&digits=6&period=30',
    );
  });
});
