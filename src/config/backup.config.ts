import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

/** `backup` / `restore`: where dumps go, retention, encryption, the S3 copy, the status file. */
export const backupConfig = registerAs('backup', () => {
  const env = loadEnv();
  return {
    dir: env.BACKUP_DIR,
    metricsDir: env.BACKUP_METRICS_DIR,
    pgDump: env.BACKUP_PG_DUMP,
    pgRestore: env.BACKUP_PG_RESTORE,
    compression: env.BACKUP_COMPRESSION,
    /** Where pg_dump/pg_restore are looked for when no PostgreSQL version directory has them. */
    searchPath: process.env.PATH ?? '',
    encryptionKey: env.BACKUP_ENCRYPTION_KEY,
    keep: { daily: env.BACKUP_KEEP_DAILY, weekly: env.BACKUP_KEEP_WEEKLY },
    uploadsRoot: env.FILES_DRIVER === 'local' ? env.FILES_LOCAL_ROOT : undefined,
    s3: env.BACKUP_S3_BUCKET
      ? {
          bucket: env.BACKUP_S3_BUCKET,
          prefix: env.BACKUP_S3_PREFIX,
          region: env.S3_REGION,
          endpoint: env.S3_ENDPOINT,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          timeoutMs: env.S3_TIMEOUT_MS,
        }
      : undefined,
  };
});

export type BackupConfig = ReturnType<typeof backupConfig>;
