import { registerAs } from '@nestjs/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnv } from './load-env.js';

/** The nearest package.json above this file (src/ in development, dist/src/ when built). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const file = join(dir, 'package.json');
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
    : '0.0.0';
}
const version = packageVersion();

export const appConfig = registerAs('app', () => {
  const env = loadEnv();
  return {
    name: env.APP_NAME,
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    version,
    port: env.PORT,
    host: env.HOST,
    role: env.PROCESS_ROLE,
    runsWorkers: env.PROCESS_ROLE !== 'api',
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    apiDocsEnabled: env.API_DOCS_ENABLED ?? env.NODE_ENV !== 'production',
    adminUiEnabled: env.ADMIN_UI_ENABLED ?? env.NODE_ENV !== 'production',
  };
});
