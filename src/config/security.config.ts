import { registerAs } from '@nestjs/config';
import { devSecretsFor } from './dev-secrets.js';
import { parseJwtKeys } from './jwt-keys.js';
import { loadEnv } from './load-env.js';

export const securityConfig = registerAs('security', () => {
  const env = loadEnv();
  // Development without the variables: kept in .data/dev-secrets.json across restarts.
  const dev = devSecretsFor(env);
  return {
    jwtSecret: env.JWT_SECRET ?? dev.JWT_SECRET,
    jwtAlgorithm: env.JWT_ALGORITHM,
    /** RS256/EdDSA keys (validated with the rest of the environment); undefined for HS256. */
    jwtKeys: parseJwtKeys(env).keys,
    jwtIssuer: env.JWT_ISSUER ?? env.APP_NAME,
    jwtAudience: env.JWT_AUDIENCE ?? `${env.APP_NAME}-api`,
    accessTokenTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
    signingSecret: env.SIGNING_SECRET ?? dev.SIGNING_SECRET,
  };
});
