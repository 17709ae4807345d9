export const NOTIFICATIONS_QUEUE = 'notifications';
/** Mails a user's pending notifications of one type: one mail, or a digest of several. */
export const EMAIL_JOB = 'email';
export const BROADCAST_JOB = 'broadcast';
export const RETENTION_JOB = 'retention';
export const RETENTION_SCHEDULER_ID = 'notifications-retention-daily';
/** Every day at 03:41 UTC. */
export const RETENTION_PATTERN = '41 3 * * *';

export interface EmailPayload {
  userId: string;
  type: string;
}

export interface BroadcastPayload {
  broadcastId: string;
}
