import { Logger, type ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigValidationError } from './config/env.schema.js';
import { loadDotEnvFile, loadEnv } from './config/load-env.js';
import { stopEmbeddedPostgres } from './core/database/embedded-postgres.js';
import { ShutdownState } from './core/lifecycle/shutdown.state.js';

/**
 * The process entry: load .env, validate config (exit 1 with one line naming every bad
 * variable), start the app, and drain gracefully on SIGTERM/SIGINT.
 */
export async function runServer(
  options: { extraModules?: ModuleMetadata['imports'] } = {},
): Promise<void> {
  loadDotEnvFile();
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const { createApp } = await import('./bootstrap.js');
  const app = await createApp(options);
  installShutdown(app, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS, drainMs: env.SHUTDOWN_DRAIN_MS });
  await app.listen({ port: env.PORT, host: env.HOST });
  new Logger('Bootstrap').log(
    `${env.APP_NAME} (${env.PROCESS_ROLE}) listening on http://${env.HOST}:${env.PORT}`,
  );
}

/**
 * SIGTERM/SIGINT: report not-ready, drain HTTP and jobs, close pools, exit 0 (bounded).
 * After SIGTERM the listener stays open for `drainMs` while every answer says
 * `Connection: close`: the load balancer stops routing here meanwhile, and keep-alive clients
 * hang up after their answer instead of meeting a socket closed under their next request
 * (ECONNRESET). SIGINT (Ctrl-C at a terminal) skips the drain.
 */
function installShutdown(
  app: NestFastifyApplication,
  { timeoutMs, drainMs }: { timeoutMs: number; drainMs: number },
): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) return;
    started = true;
    app.get(ShutdownState).begin();
    const drain = signal === 'SIGTERM' ? drainMs : 0;
    logger.log(
      `${signal} received: not ready; draining connections for ${drain} ms, then requests and jobs (at most ${timeoutMs} ms)`,
    );
    setTimeout(() => close(app, timeoutMs, logger), drain);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Closes HTTP, workers and pools; exits 0 when done, 1 past `timeoutMs` or on failure. */
function close(app: NestFastifyApplication, timeoutMs: number, logger: Logger): void {
  const timer = setTimeout(() => {
    logger.error('shutdown timed out; exiting with in-flight work abandoned');
    process.exit(1);
  }, timeoutMs);
  timer.unref();
  app
    .close()
    .then(() => stopEmbeddedPostgres())
    .then(
      () => {
        clearTimeout(timer);
        logger.log('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}
