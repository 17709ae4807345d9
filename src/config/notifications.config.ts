import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const notificationsConfig = registerAs('notifications', () => {
  const env = loadEnv();
  return {
    /** A burst of one type for one user within this window is mailed as one digest; 0: no digest. */
    emailDigestSeconds: env.NOTIFICATIONS_EMAIL_DIGEST_SECONDS,
    broadcastBatch: env.NOTIFICATIONS_BROADCAST_BATCH,
    readRetentionDays: env.NOTIFICATIONS_READ_RETENTION_DAYS,
    retentionDays: env.NOTIFICATIONS_RETENTION_DAYS,
    /** Cross-instance fan-out: Redis pub/sub when REDIS_URL is set, else LISTEN/NOTIFY. */
    bus: env.REDIS_URL ? ('redis' as const) : ('postgres' as const),
    redisUrl: env.REDIS_URL,
    stream: {
      maxPerUser: env.NOTIFICATIONS_STREAM_MAX_PER_USER,
      maxPerIp: env.NOTIFICATIONS_STREAM_MAX_PER_IP,
      maxMessageBytes: env.NOTIFICATIONS_STREAM_MAX_MESSAGE_BYTES,
      heartbeatMs: env.NOTIFICATIONS_STREAM_HEARTBEAT_SECONDS * 1000,
      idleMs: env.NOTIFICATIONS_STREAM_IDLE_SECONDS * 1000,
      replayLimit: env.NOTIFICATIONS_STREAM_REPLAY_LIMIT,
      initTimeoutMs: env.NOTIFICATIONS_STREAM_INIT_TIMEOUT_MS,
      ticketTtlSeconds: env.NOTIFICATIONS_STREAM_TICKET_SECONDS,
      retryMs: env.NOTIFICATIONS_STREAM_RETRY_MS,
    },
  };
});
