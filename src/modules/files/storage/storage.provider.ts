import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { filesConfig } from '../../../config/files.config.js';
import { DependencyPolicies } from '../../../core/resilience/dependency-policies.js';
import { LocalStorageDriver } from './local.driver.js';
import { isStorageFailure, ResilientStorageDriver } from './resilient.driver.js';
import { STORAGE_DRIVER, type StorageDriver } from './storage.driver.js';

/**
 * The driver FILES_DRIVER names: local disk under FILES_LOCAL_ROOT, or S3-compatible behind the
 * `s3` dependency policy (a remote service can be slow or down; the local disk is the process's
 * own and is covered by the readiness check).
 */
export const storageProvider: Provider = {
  provide: STORAGE_DRIVER,
  inject: [filesConfig.KEY, DependencyPolicies],
  useFactory: async (
    config: ConfigType<typeof filesConfig>,
    policies: DependencyPolicies,
  ): Promise<StorageDriver> => {
    if (config.driver !== 's3') return new LocalStorageDriver({ root: config.localRoot });
    // Loaded only here: the AWS SDK is a tenth of the start-up of an app that stores locally.
    const { S3StorageDriver } = await import('./s3.driver.js');
    return new ResilientStorageDriver(
      new S3StorageDriver({ ...config.s3 }),
      policies.for('s3', {
        timeoutMs: config.s3.timeoutMs,
        concurrency: config.s3.concurrency,
        queue: 1_000,
        isFailure: isStorageFailure,
      }),
    );
  },
};
