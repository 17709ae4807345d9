import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { filesConfig } from '../../../config/files.config.js';
import { LocalStorageDriver } from './local.driver.js';
import { S3StorageDriver } from './s3.driver.js';
import { STORAGE_DRIVER, type StorageDriver } from './storage.driver.js';

/** The driver FILES_DRIVER names: local disk under FILES_LOCAL_ROOT, or S3-compatible. */
export const storageProvider: Provider = {
  provide: STORAGE_DRIVER,
  inject: [filesConfig.KEY],
  useFactory: (config: ConfigType<typeof filesConfig>): StorageDriver =>
    config.driver === 's3'
      ? new S3StorageDriver({ ...config.s3 })
      : new LocalStorageDriver({ root: config.localRoot }),
};
