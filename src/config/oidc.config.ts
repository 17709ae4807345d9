import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';
import { parseOidcProviders } from './oidc-providers.js';

export const oidcConfig = registerAs('oidc', () => {
  const env = loadEnv();
  return {
    // The per-provider variable names depend on OIDC_PROVIDERS, so they cannot be Env fields;
    // parseEnv (through loadEnv above) has already refused the start if any of them is bad.
    providers: parseOidcProviders(env.OIDC_PROVIDERS, process.env).providers,
    redirectUrl: env.OIDC_REDIRECT_URL,
    timeoutMs: env.OIDC_TIMEOUT_MS,
    /** Where providers send the browser back: PUBLIC_URL + the callback route. */
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
  };
});
