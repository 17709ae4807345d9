import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';
import { parseWebhookSources } from './webhook-sources.js';

export const webhooksConfig = registerAs('webhooks', () => {
  const env = loadEnv();
  return {
    // The per-source variable names depend on WEBHOOK_SOURCES, so they cannot be Env fields;
    // parseEnv (through loadEnv above) has already refused the start if any of them is bad.
    sources: parseWebhookSources(env.WEBHOOK_SOURCES, process.env).sources,
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
  };
});
