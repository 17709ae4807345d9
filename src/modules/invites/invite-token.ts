import { createHash, randomBytes } from 'node:crypto';

/** A new invite token: 256 random bits, URL-safe. */
export const newInviteToken = (): string => `inv_${randomBytes(32).toString('base64url')}`;

/** What the database keeps of a token. */
export const hashInviteToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');
