import type { Metadata, Sharp } from 'sharp';
import { createHash } from 'node:crypto';
import { THUMBNAIL_SIZES, type ThumbnailSize } from './file-keys.js';

let sharpModule: Promise<typeof import('sharp')> | undefined;
/** libvips is loaded by the first image job, not at start-up (a twentieth of it). */
const loadSharp = async () => (await (sharpModule ??= import('sharp'))).default;

/** Raster formats we decode for thumbnails; everything else is served as uploaded. */
export const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Larger images are refused before decoding (a small file can declare a huge canvas). */
export const MAX_INPUT_PIXELS = 64_000_000;

export interface ProcessedImage {
  width: number;
  height: number;
  thumbnails: Map<ThumbnailSize, Buffer>;
  /** The original re-encoded without metadata, when it carried EXIF/XMP/IPTC (GPS lives there). */
  stripped?: { bytes: Buffer; sha256: string };
}

export class UndecodableImageError extends Error {
  constructor(cause: unknown) {
    super(`The image could not be decoded: ${(cause as Error).message}`);
    this.name = 'UndecodableImageError';
  }
}

/**
 * Reads dimensions, makes square-bounded WebP thumbnails (metadata never copied) and, when the
 * original carries metadata, a clean re-encoding of it in its own format, upright.
 */
export async function processImage(input: Buffer, mimeType: string): Promise<ProcessedImage> {
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const };
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(input, options).metadata();
  } catch (error) {
    throw new UndecodableImageError(error);
  }
  if (!meta.width || !meta.height) throw new UndecodableImageError(new Error('no dimensions'));
  const upright = (meta.orientation ?? 1) >= 5;
  const width = upright ? meta.height : meta.width;
  const height = upright ? meta.width : meta.height;
  const thumbnails = new Map<ThumbnailSize, Buffer>();
  try {
    for (const size of THUMBNAIL_SIZES) {
      const thumbnail = await sharp(input, options)
        .autoOrient()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      thumbnails.set(size, thumbnail);
    }
    const stripped = hasMetadata(meta)
      ? await reencode(sharp(input, options).autoOrient(), mimeType)
      : undefined;
    return {
      width,
      height,
      thumbnails,
      stripped: stripped && {
        bytes: stripped,
        sha256: createHash('sha256').update(stripped).digest('hex'),
      },
    };
  } catch (error) {
    throw new UndecodableImageError(error);
  }
}

function hasMetadata(meta: Metadata): boolean {
  return Boolean(meta.exif || meta.xmp || meta.iptc);
}

async function reencode(image: Sharp, mimeType: string): Promise<Buffer | undefined> {
  switch (mimeType) {
    case 'image/jpeg':
      return image.jpeg({ quality: 90, mozjpeg: true }).toBuffer();
    case 'image/png':
      return image.png().toBuffer();
    case 'image/webp':
      return image.webp({ quality: 90 }).toBuffer();
    default:
      // GIF carries no EXIF; re-encoding would cost palette quality for nothing.
      return undefined;
  }
}
