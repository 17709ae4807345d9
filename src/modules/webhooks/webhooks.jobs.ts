export const WEBHOOKS_QUEUE = 'webhooks';
export const PROCESS_WEBHOOK_JOB = 'process-webhook';

export interface ProcessWebhookPayload {
  /** webhook_events.id */
  eventId: string;
}
