import { randomUUID } from 'node:crypto';
import type { FileKind } from './file.entity.js';

export const THUMBNAIL_SIZES = [64, 256] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

/** A fresh storage key: `<kind>s/<yyyy>/<mm>/<file id>`; nothing in it comes from the client. */
export function newFileKey(kind: FileKind, now = new Date()): { id: string; key: string } {
  const id = randomUUID();
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return { id, key: `${kind}s/${now.getUTCFullYear()}/${month}/${id}` };
}

export const thumbnailKey = (key: string, size: ThumbnailSize): string =>
  `${key}.thumb-${size}.webp`;

/** The file key an object belongs to (itself, or the original of a thumbnail). */
export const baseKeyOf = (objectKey: string): string => objectKey.replace(/\.thumb-\d+\.webp$/, '');
