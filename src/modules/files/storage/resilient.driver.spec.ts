import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isStorageFailure } from './resilient.driver.js';
import { StorageNotFoundError } from './storage.driver.js';

const s3Error = (status: number, fault: 'client' | 'server') =>
  new S3ServiceException({
    name: 'Err',
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: 'err',
  });

describe('isStorageFailure (what counts against the S3 breaker)', () => {
  it('does not count a missing object or a 4xx answer', () => {
    expect(isStorageFailure(new StorageNotFoundError('k'))).toBe(false);
    expect(isStorageFailure(s3Error(403, 'client'))).toBe(false);
    expect(isStorageFailure(s3Error(404, 'client'))).toBe(false);
  });

  it('counts 5xx answers and transport errors', () => {
    expect(isStorageFailure(s3Error(503, 'server'))).toBe(true);
    expect(isStorageFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
  });
});
