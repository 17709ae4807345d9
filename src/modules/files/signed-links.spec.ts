import { describe, expect, it } from 'vitest';
import { LinkSigner } from './signed-links.js';

const ID = '0b7c2a1e-5d0f-4c8e-9a55-3f1e2d4c6b7a';
const OTHER = '1b7c2a1e-5d0f-4c8e-9a55-3f1e2d4c6b7a';

describe('LinkSigner', () => {
  const signer = new LinkSigner('a-signing-secret-of-enough-length-for-tests-0123456789');
  const now = 1_800_000_000;
  const expires = now + 60;
  const signature = signer.sign(ID, 'original', expires);

  it('verifies its own signature until the expiry', () => {
    expect(signer.verify(ID, 'original', expires, signature, now)).toBe(true);
    expect(signer.verify(ID, 'original', expires, signature, expires)).toBe(true);
    expect(signer.verify(ID, 'original', expires, signature, expires + 1)).toBe(false);
  });

  it('refuses any change of file, variant, expiry, signature or key', () => {
    expect(signer.verify(OTHER, 'original', expires, signature, now)).toBe(false);
    expect(signer.verify(ID, 'thumb-64', expires, signature, now)).toBe(false);
    expect(signer.verify(ID, 'original', expires + 1, signature, now)).toBe(false);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(signer.verify(ID, 'original', expires, flipped, now)).toBe(false);
    expect(signer.verify(ID, 'original', expires, 'short', now)).toBe(false);
    expect(new LinkSigner('another-secret').verify(ID, 'original', expires, signature, now)).toBe(
      false,
    );
    expect(signer.verify(ID, 'original', Number.NaN, signature, now)).toBe(false);
  });
});
