import { registerAs } from '@nestjs/config';
import { requiresVerifiedEmail } from './env.schema.js';
import { loadEnv } from './load-env.js';

export const authConfig = registerAs('auth', () => {
  const env = loadEnv();
  return {
    refreshTtlSeconds: env.AUTH_REFRESH_TTL_SECONDS,
    sessionMaxAgeSeconds: env.AUTH_SESSION_MAX_AGE_SECONDS,
    verifyEmailTtlSeconds: env.AUTH_VERIFY_EMAIL_TTL_SECONDS,
    resetPasswordTtlSeconds: env.AUTH_RESET_PASSWORD_TTL_SECONDS,
    loginMaxFailures: env.AUTH_LOGIN_MAX_FAILURES,
    loginFailureWindowSeconds: env.AUTH_LOGIN_FAILURE_WINDOW_SECONDS,
    accountLoginMaxFailures: env.AUTH_LOGIN_ACCOUNT_MAX_FAILURES,
    accountLoginWindowSeconds: env.AUTH_LOGIN_ACCOUNT_WINDOW_SECONDS,
    accountLoginLockSeconds: env.AUTH_LOGIN_ACCOUNT_LOCK_SECONDS,
    sessionRetentionDays: env.AUTH_SESSION_RETENTION_DAYS,
    requireTwoFactorForAdmins: env.AUTH_REQUIRE_2FA_FOR_ADMINS,
    requireVerifiedEmail: requiresVerifiedEmail(env),
    // Registering a taken email answers like a new registration (and mails the owner); only
    // possible when that answer carries no tokens, i.e. with verified email required.
    registrationEnumerationSafe:
      env.AUTH_REGISTRATION_ENUMERATION_SAFE ?? requiresVerifiedEmail(env),
    changeEmailTtlSeconds: env.AUTH_CHANGE_EMAIL_TTL_SECONDS,
    accountRestoreDays: env.AUTH_ACCOUNT_RESTORE_DAYS,
    bootstrapAdmin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { email: env.ADMIN_EMAIL.trim().toLowerCase(), password: env.ADMIN_PASSWORD }
        : undefined,
    argon2: {
      memoryCost: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    },
  };
});
