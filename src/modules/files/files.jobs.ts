export const FILES_QUEUE = 'files';
export const PROCESS_IMAGE_JOB = 'process-image';
export const FILES_CLEANUP_JOB = 'files-cleanup';
export const CLEANUP_SCHEDULER_ID = 'files-cleanup-daily';
/** Every day at 04:17 UTC. */
export const CLEANUP_PATTERN = '17 4 * * *';

export interface ProcessImagePayload {
  fileId: string;
}
