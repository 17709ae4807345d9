export const ACCOUNTS_QUEUE = 'accounts';
export const EXPORT_JOB = 'account-export';
export const ANONYMISE_JOB = 'accounts-anonymise';
export const ANONYMISE_SCHEDULER_ID = 'accounts-anonymise-daily';
/** Every day at 03:17 UTC. */
export const ANONYMISE_PATTERN = '17 3 * * *';

export const PURGE_JOB = 'accounts-purge';
export const PURGE_SCHEDULER_ID = 'accounts-purge-daily';
/** Every day at 03:47 UTC, half an hour after the anonymisation. */
export const PURGE_PATTERN = '47 3 * * *';

export interface AccountExportPayload {
  userId: string;
}
