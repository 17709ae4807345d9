import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const authConfig = registerAs('auth', () => {
  const env = loadEnv();
  return {
    refreshTtlSeconds: env.AUTH_REFRESH_TTL_SECONDS,
    sessionMaxAgeSeconds: env.AUTH_SESSION_MAX_AGE_SECONDS,
    argon2: {
      memoryCost: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    },
  };
});
