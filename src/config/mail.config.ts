import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const mailConfig = registerAs('mail', () => {
  const env = loadEnv();
  return {
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM,
    /** Without SMTP outside production, mail is logged and written here instead. */
    dir: env.MAIL_DIR,
    /** First retry delay of a mail job; doubles at each of its 5 attempts, with jitter. */
    backoffMs: env.MAIL_BACKOFF_MS,
    appName: env.APP_NAME,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
});
