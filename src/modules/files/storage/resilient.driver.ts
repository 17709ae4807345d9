import type { Readable } from 'node:stream';
import type { DependencyPolicy } from '../../../core/resilience/dependency-policies.js';
import {
  type ByteRange,
  type PresignOptions,
  type StorageDriver,
  StorageNotFoundError,
  type StoredObjectInfo,
} from './storage.driver.js';

/** Errors that say nothing about the storage's health: the client's own abort, a 4xx answer. */
const notTheStoragesFault = new WeakSet<Error>();

/** Whether an error should count against the storage's circuit breaker. */
export function isStorageFailure(error: Error): boolean {
  if (error instanceof StorageNotFoundError || notTheStoragesFault.has(error)) return false;
  const answered = s3ServiceError(error);
  if (answered) {
    return (answered.$metadata.httpStatusCode ?? 500) >= 500 || answered.$fault === 'server';
  }
  return true;
}

/**
 * An answer of the S3 service (the SDK's S3ServiceException), recognised by its shape rather than
 * its class: the SDK is only loaded when FILES_DRIVER=s3 (it is a tenth of the start-up).
 */
function s3ServiceError(
  error: Error,
): { $fault: string; $metadata: { httpStatusCode?: number } } | undefined {
  const candidate = error as Partial<{ $fault: unknown; $metadata: unknown }>;
  return typeof candidate.$fault === 'string' &&
    typeof candidate.$metadata === 'object' &&
    candidate.$metadata !== null
    ? (candidate as { $fault: string; $metadata: { httpStatusCode?: number } })
    : undefined;
}

/**
 * A storage driver whose calls run under the dependency's policy (bulkhead, breaker, and a
 * timeout for the short calls; transfers are bounded by the HTTP request timeouts instead).
 * While the breaker is open, uploads, downloads and the readiness ping fail at once and the
 * request answers 503 SERVICE_UNAVAILABLE. Presigning is local computation and goes straight
 * through, as does listing (the daily cleanup, which retries the next day).
 */
export class ResilientStorageDriver implements StorageDriver {
  readonly name: StorageDriver['name'];
  readonly cleanTemp?: StorageDriver['cleanTemp'];

  constructor(
    private readonly inner: StorageDriver,
    private readonly policy: DependencyPolicy,
  ) {
    this.name = inner.name;
    if (inner.cleanTemp) this.cleanTemp = (ms) => inner.cleanTemp!(ms);
  }

  put(
    key: string,
    body: Readable,
    options: { contentType: string; signal?: AbortSignal },
  ): Promise<{ size: number }> {
    return this.policy.executeUnbounded(async () => {
      try {
        return await this.inner.put(key, body, options);
      } catch (error) {
        // The upload's own body failed or was aborted (a client went away, a size limit hit).
        if (error instanceof Error && (body.errored || options.signal?.aborted)) {
          notTheStoragesFault.add(error);
        }
        throw error;
      }
    });
  }

  get(key: string, range?: ByteRange): Promise<Readable> {
    return this.policy.execute(() => this.inner.get(key, range));
  }

  stat(key: string): Promise<StoredObjectInfo | undefined> {
    return this.policy.execute(() => this.inner.stat(key));
  }

  delete(key: string): Promise<void> {
    return this.policy.execute(() => this.inner.delete(key));
  }

  list(prefix: string): AsyncIterable<StoredObjectInfo> {
    return this.inner.list(prefix);
  }

  presignGet(key: string, options: PresignOptions): Promise<string | null> {
    return this.inner.presignGet(key, options);
  }

  ping(): Promise<void> {
    return this.policy.execute(() => this.inner.ping());
  }
}
