import type { MailTemplateName, MailTemplates } from './mail-templates.js';

/** The payload of a job on the `mail` queue; rendered by the worker when it runs. */
export type MailJob<K extends MailTemplateName = MailTemplateName> = {
  [P in K]: { to: string; template: P; vars: MailTemplates[P] };
}[K];

/** Attempts of every mail job, whatever QUEUE_ATTEMPTS says. */
export const MAIL_ATTEMPTS = 5;

/** Share of each backoff delay drawn at random, so retries after an outage spread out. */
export const MAIL_BACKOFF_JITTER = 0.5;

// WHATWG's "valid email address" (what <input type=email> accepts), ASCII only.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function isSaneEmail(address: string): boolean {
  return address.length <= 254 && address.indexOf('@') <= 64 && EMAIL.test(address);
}
