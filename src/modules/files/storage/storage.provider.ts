import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { filesConfig } from '../../../config/files.config.js';
import { DependencyPolicies } from '../../../core/resilience/dependency-policies.js';
import { LocalStorageDriver } from './local.driver.js';
import { isStorageFailure, ResilientStorageDriver } from './resilient.driver.js';
import { S3StorageDriver } from './s3.driver.js';
import { STORAGE_DRIVER, type StorageDriver } from './storage.driver.js';

/**
 * The driver FILES_DRIVER names: local disk under FILES_LOCAL_ROOT, or S3-compatible behind the
 * `s3` dependency policy (a remote service can be slow or down; the local disk is the process's
 * own and is covered by the readiness check).
 */
export const storageProvider: Provider = {
  provide: STORAGE_DRIVER,
  inject: [filesConfig.KEY, DependencyPolicies],
  useFactory: (
    config: ConfigType<typeof filesConfig>,
    policies: DependencyPolicies,
  ): StorageDriver =>
    config.driver === 's3'
      ? new ResilientStorageDriver(
          new S3StorageDriver({ ...config.s3 }),
          policies.for('s3', {
            timeoutMs: config.s3.timeoutMs,
            concurrency: config.s3.concurrency,
            queue: 1_000,
            isFailure: isStorageFailure,
          }),
        )
      : new LocalStorageDriver({ root: config.localRoot }),
};
