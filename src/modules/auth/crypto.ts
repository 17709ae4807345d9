import { createHash } from 'node:crypto';

/** Tokens (refresh, one-time, invite) are stored as their SHA-256: a leaked table opens nothing. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
