import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export type RegistrationMode = 'open' | 'invite' | 'closed';
export type DeletionMode = 'erase' | 'anonymise';

export const registrationConfig = registerAs('registration', () => {
  const env = loadEnv();
  return {
    mode: env.REGISTRATION_MODE satisfies RegistrationMode,
    inviteDefaultTtlHours: env.INVITE_DEFAULT_TTL_HOURS,
    consentRequired: env.CONSENT_REQUIRED,
    deletionDefault: env.ACCOUNT_DELETION_DEFAULT satisfies DeletionMode,
  };
});
