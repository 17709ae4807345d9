import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const securityConfig = registerAs('security', () => {
  const env = loadEnv();
  return {
    jwtSecret: env.JWT_SECRET,
    jwtIssuer: env.JWT_ISSUER ?? env.APP_NAME,
    jwtAudience: env.JWT_AUDIENCE ?? `${env.APP_NAME}-api`,
    accessTokenTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
    signingSecret: env.SIGNING_SECRET,
  };
});
