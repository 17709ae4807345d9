import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import {
  assertSafeKey,
  StorageNotFoundError,
  type ByteRange,
  type PresignOptions,
  type StorageDriver,
  type StoredObjectInfo,
} from './storage.driver.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For MinIO, s3rver and other S3-compatible services. */
  endpoint?: string;
  /** Where clients reach the service, for presigned links (e.g. MinIO behind a proxy). */
  publicEndpoint?: string;
  forcePathStyle: boolean;
  /** Both or neither; without them the SDK's default credential chain applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Prepended to every key inside the bucket (a `/` is added when missing). */
  prefix?: string;
}

const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 3;

/** Objects in an S3 bucket (AWS S3, MinIO, s3rver). */
export class S3StorageDriver implements StorageDriver {
  readonly name = 's3' as const;
  private readonly client: S3Client;
  /** Signs links only (no request is sent with it): the public endpoint's host is signed. */
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    const { accessKeyId, secretAccessKey } = options;
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const clientFor = (endpoint?: string): S3Client =>
      new S3Client({
        region: options.region,
        endpoint,
        forcePathStyle: options.forcePathStyle,
        credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
        // The SDK's default CRC32 checksums (and aws-chunked bodies) are not understood by every
        // S3-compatible server; send checksums only where an operation requires them.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    this.client = clientFor(options.endpoint);
    this.signer = options.publicEndpoint ? clientFor(options.publicEndpoint) : this.client;
  }

  /**
   * On failure or abort, deletes whatever may have landed under the key. That is not atomic
   * for an existing object under the same key, which is acceptable because keys are fresh UUIDs.
   */
  async put(
    key: string,
    body: Readable,
    options: { contentType: string; signal?: AbortSignal },
  ): Promise<{ size: number }> {
    const objectKey = this.objectKey(key);
    const { signal } = options;
    signal?.throwIfAborted();
    let size = 0;
    // The body's own error (or the abort reason): lib-storage may replace it with a failure of
    // its clean-up (e.g. AbortMultipartUpload), so it is remembered here and rethrown.
    let bodyError: { error: unknown } | undefined;
    const counted = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            size += chunk.length;
            yield chunk;
          }
        } catch (error) {
          bodyError ??= { error };
          throw error;
        }
      })(),
      { objectMode: false },
    );
    // Failing the body (rather than Upload#abort(), which settles done() while requests are still
    // in flight) lets lib-storage finish in-flight parts, abort the multipart upload, then reject.
    const onAbort = () => {
      bodyError ??= { error: signal?.reason };
      if (!body.readableEnded) body.destroy(new Error('Upload aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: objectKey,
          Body: counted,
          ContentType: options.contentType,
        },
        queueSize: QUEUE_SIZE,
        partSize: PART_SIZE,
        leavePartsOnError: false,
      }).done();
      signal?.throwIfAborted();
      return { size };
    } catch (error) {
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }))
        .catch(() => undefined);
      throw bodyError ? bodyError.error : error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const objectKey = this.objectKey(key);
    if (range) assertValidRange(range);
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      if (!(response.Body instanceof Readable)) {
        throw new Error('S3 GetObject returned a body that is not a Node stream');
      }
      return range ? limitToRange(response.Body, response, range) : response.Body;
    } catch (error) {
      if (isNotFound(error)) throw new StorageNotFoundError(key);
      if (isS3Error(error, 'InvalidRange')) {
        throw new RangeError(`Byte range ${range?.start}-${range?.end} outside object ${key}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
    );
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    if (prefix !== '') assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: this.prefix + prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.prefix)) continue;
        yield {
          key: object.Key.slice(this.prefix.length),
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
        };
      }
    }
  }

  async presignGet(key: string, options: PresignOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return getSignedUrl(this.signer, command, { expiresIn: options.expiresInSeconds });
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Closes the client's sockets (for shutdown and tests). */
  destroy(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }

  /** Nest calls this on shutdown: the SDK client's keep-alive sockets are closed. */
  onApplicationShutdown(): void {
    this.destroy();
  }

  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.prefix + key;
  }
}

function assertValidRange({ start, end }: ByteRange): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}

/**
 * Some S3-compatible servers send more than the requested range (s3rver answers `bytes=0-0`
 * with the whole object); a response that starts where asked is cut to the requested length.
 */
function limitToRange(
  body: Readable,
  response: { ContentRange?: string; ContentLength?: number },
  range: ByteRange,
): Readable {
  const length = range.end - range.start + 1;
  if (response.ContentLength !== undefined && response.ContentLength <= length) return body;
  const returnedStart = Number(/^bytes (\d+)-/.exec(response.ContentRange ?? '')?.[1] ?? 0);
  if (returnedStart !== range.start) {
    body.destroy();
    throw new Error(`S3 sent ${response.ContentRange} for bytes ${range.start}-${range.end}`);
  }
  return Readable.from(take(body, length), { objectMode: false });
}

async function* take(body: Readable, length: number): AsyncGenerator<Buffer> {
  let remaining = length;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= part.length;
    yield part;
    // Leaving the loop destroys the body, dropping whatever the server sent beyond the range.
    if (remaining === 0) return;
  }
}

function isS3Error(error: unknown, ...names: string[]): boolean {
  return error instanceof S3ServiceException && names.includes(error.name);
}

function isNotFound(error: unknown): boolean {
  return isS3Error(error, 'NoSuchKey', 'NotFound');
}
