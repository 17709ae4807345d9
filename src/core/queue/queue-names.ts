/** Every queue in the app. A module adds its queue here and gets it registered everywhere. */
export const QUEUE_NAMES = [
  'maintenance',
  'mail',
  'accounts',
  'audit',
  'files',
  'webhooks',
  'notifications',
  'stats',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
