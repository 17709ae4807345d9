import { registerAs } from '@nestjs/config';
import { commaList } from './comma-list.js';
import { loadEnv } from './load-env.js';

export const filesConfig = registerAs('files', () => {
  const env = loadEnv();
  return {
    driver: env.FILES_DRIVER,
    localRoot: env.FILES_LOCAL_ROOT,
    avatar: {
      maxBytes: env.FILES_AVATAR_MAX_BYTES,
      types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
    },
    attachment: {
      maxBytes: env.FILES_ATTACHMENT_MAX_BYTES,
      types: commaList(env.FILES_ATTACHMENT_TYPES).map((type) => type.toLowerCase()),
    },
    userQuotaBytes: env.FILES_USER_QUOTA_BYTES,
    zip: {
      maxRatio: env.FILES_ZIP_MAX_RATIO,
      maxUncompressedBytes: env.FILES_ZIP_MAX_UNCOMPRESSED_BYTES,
      maxEntries: env.FILES_ZIP_MAX_ENTRIES,
    },
    linkTtlSeconds: env.FILES_LINK_TTL_SECONDS,
    purgeAfterDays: env.FILES_PURGE_AFTER_DAYS,
    orphanGraceHours: env.FILES_ORPHAN_GRACE_HOURS,
    s3: {
      bucket: env.S3_BUCKET ?? '',
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      publicEndpoint: env.S3_PUBLIC_ENDPOINT,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      prefix: env.S3_PREFIX,
      timeoutMs: env.S3_TIMEOUT_MS,
      concurrency: env.S3_CONCURRENCY,
    },
  };
});
