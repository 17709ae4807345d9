import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Readable } from 'node:stream';
import { filesConfig } from '../../config/files.config.js';
import { mailConfig } from '../../config/mail.config.js';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { FileLinkDto } from './dto/file.dto.js';
import type { SignedDownloadQuery } from './dto/files.inputs.js';
import { notFound, FileAccess } from './file-access.js';
import type { FileEntity } from './file.entity.js';
import { contentDisposition, etagOf, matchesIfNoneMatch, parseRange } from './file-http.js';
import { thumbnailKey, type ThumbnailSize } from './file-keys.js';
import { IMAGE_TYPES } from './image-processor.js';
import { type LinkVariant, LinkSigner } from './signed-links.js';
import {
  type ByteRange,
  STORAGE_DRIVER,
  type StorageDriver,
  StorageNotFoundError,
} from './storage/storage.driver.js';

/** Conditional/range headers of a download request. */
export interface DownloadConditions {
  range?: string;
  ifNoneMatch?: string;
  ifRange?: string;
}

/** What to answer: status, headers and, unless 304, the bytes. */
export interface Download {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  body?: Readable;
}

interface Variant {
  key: string;
  /** Known for originals; thumbnails are measured when served. */
  size?: number;
  etag: string;
  mimeType: string;
  disposition: string;
}

/** Serves file bytes (owner/permitted callers or signed links), with ETag, 304 and ranges. */
@Injectable()
export class FileDownloadsService {
  private readonly logger = new Logger('Files');
  private readonly signer: LinkSigner;

  constructor(
    private readonly access: FileAccess,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(filesConfig.KEY) private readonly config: ConfigType<typeof filesConfig>,
    @Inject(mailConfig.KEY) private readonly mail: ConfigType<typeof mailConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.signer = new LinkSigner(security.signingSecret ?? security.jwtSecret);
  }

  /** The default lifetime of a link, in seconds. */
  get ttl(): number {
    return this.config.linkTtlSeconds;
  }

  async content(actor: AuthUser, id: string, conditions: DownloadConditions): Promise<Download> {
    const file = await this.access.readable(actor, id);
    return this.serve(await this.variant(file, 'original'), conditions, 'private, no-cache');
  }

  async thumbnail(
    actor: AuthUser,
    id: string,
    size: ThumbnailSize,
    conditions: DownloadConditions,
  ): Promise<Download> {
    const file = await this.access.readable(actor, id);
    return this.serve(await this.variant(file, `thumb-${size}`), conditions, 'private, no-cache');
  }

  /** A link that works without a bearer token: presigned by S3, or signed by us for local disk. */
  async link(
    actor: AuthUser,
    id: string,
    variant: LinkVariant = 'original',
    expiresInSeconds = this.config.linkTtlSeconds,
  ): Promise<FileLinkDto> {
    const file = await this.access.readable(actor, id);
    return this.linkFor(file, variant, expiresInSeconds);
  }

  async linkFor(file: FileEntity, variant: LinkVariant, ttlSeconds: number): Promise<FileLinkDto> {
    const target = await this.variant(file, variant);
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    const presigned = await this.storage.presignGet(target.key, {
      expiresInSeconds: ttlSeconds,
      contentType: target.mimeType,
      contentDisposition: target.disposition,
    });
    if (presigned) return { url: presigned, expiresAt: new Date(expires * 1000) };
    const query = new URLSearchParams({
      variant,
      expires: String(expires),
      signature: this.signer.sign(file.id, variant, expires),
    });
    const base = this.mail.publicUrl.replace(/\/+$/, '');
    return {
      url: `${base}/api/v1/files/${file.id}/download?${query.toString()}`,
      expiresAt: new Date(expires * 1000),
    };
  }

  /** GET /files/:id/download?variant=&expires=&signature= — no bearer token needed. */
  async signed(
    id: string,
    query: SignedDownloadQuery,
    conditions: DownloadConditions,
  ): Promise<Download> {
    if (!this.signer.verify(id, query.variant, query.expires, query.signature)) {
      // Expired, tampered or for another file: indistinguishable on purpose.
      throw new AppException('NOT_FOUND', 'This link is not valid or has expired');
    }
    const file = await this.access.byId(id);
    const remaining = Math.max(0, query.expires - Math.floor(Date.now() / 1000));
    return this.serve(
      await this.variant(file, query.variant),
      conditions,
      `private, max-age=${remaining}`,
    );
  }

  private async variant(file: FileEntity, variant: LinkVariant): Promise<Variant> {
    if (variant === 'original') {
      return {
        key: file.storageKey,
        size: file.size,
        etag: etagOf(file.sha256),
        mimeType: file.mimeType,
        disposition: contentDisposition(file.name, file.mimeType),
      };
    }
    if (!IMAGE_TYPES.has(file.mimeType) || file.status === 'failed') {
      throw new AppException('NOT_FOUND', 'This file has no thumbnail');
    }
    if (!file.hasThumbnails) throw new AppException('CONFLICT', 'The thumbnail is not ready yet');
    const size = variant === 'thumb-64' ? 64 : 256;
    return {
      key: thumbnailKey(file.storageKey, size),
      etag: `"${file.sha256.slice(0, 32)}-${size}"`,
      mimeType: 'image/webp',
      disposition: contentDisposition(
        `${file.name.replace(/\.[^.]*$/, '')}-${size}.webp`,
        'image/webp',
      ),
    };
  }

  private async serve(
    target: Variant,
    conditions: DownloadConditions,
    cacheControl: string,
  ): Promise<Download> {
    const headers: Record<string, string> = {
      etag: target.etag,
      'cache-control': cacheControl,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    };
    if (matchesIfNoneMatch(conditions.ifNoneMatch, target.etag)) return { status: 304, headers };
    const size = target.size ?? (await this.storage.stat(target.key))?.size;
    if (size === undefined) throw notFound();
    const rangeApplies = !conditions.ifRange || conditions.ifRange.trim() === target.etag;
    const range = rangeApplies ? parseRange(conditions.range, size) : undefined;
    if (range === 'unsatisfiable') {
      throw new AppException('RANGE_NOT_SATISFIABLE', 'The requested range is outside the file', {
        headers: { 'content-range': `bytes */${size}` },
      });
    }
    Object.assign(headers, {
      'content-type': target.mimeType,
      'content-disposition': target.disposition,
    });
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      return { status: 206, headers, body: await this.open(target.key, range) };
    }
    headers['content-length'] = String(size);
    return { status: 200, headers, body: await this.open(target.key) };
  }

  /** A row without its object is an inconsistency worth a log line; the caller sees 404. */
  private async open(key: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.get(key, range);
    } catch (error) {
      if (!(error instanceof StorageNotFoundError)) throw error;
      this.logger.error({ key }, 'A live file has no object in storage');
      throw notFound();
    }
  }
}
