import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const DEV_FALLBACK_SECRET = 'nest-starter insecure development file-link key';

export type LinkVariant = 'original' | 'thumb-64' | 'thumb-256';
export const LINK_VARIANTS: readonly LinkVariant[] = ['original', 'thumb-64', 'thumb-256'];

/**
 * HMAC-SHA256 links for locally stored files: `?variant=&expires=&signature=` over the file id,
 * the variant and the expiry, with a key derived from SIGNING_SECRET for this purpose only.
 */
export class LinkSigner {
  private readonly key: Buffer;

  constructor(secret: string | undefined) {
    this.key = Buffer.from(
      hkdfSync('sha256', secret ?? DEV_FALLBACK_SECRET, '', 'file-links/v1', 32),
    );
  }

  sign(fileId: string, variant: LinkVariant, expires: number): string {
    return createHmac('sha256', this.key)
      .update(`${fileId}\n${variant}\n${expires}`)
      .digest('base64url');
  }

  /** True when the signature matches and the link has not expired (`now` in seconds). */
  verify(
    fileId: string,
    variant: LinkVariant,
    expires: number,
    signature: string,
    now = Math.floor(Date.now() / 1000),
  ): boolean {
    if (!Number.isSafeInteger(expires) || expires < now) return false;
    const expected = Buffer.from(this.sign(fileId, variant, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
