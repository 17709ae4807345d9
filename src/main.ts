import 'reflect-metadata';
import { AppException } from './core/errors/app.exception.js';
import { runServer } from './server.js';

/** A refused setting (e.g. a weak ADMIN_PASSWORD) is one line naming it; anything else its stack. */
function startupFailure(error: unknown): string {
  const fields = error instanceof AppException ? (error.details.errors ?? []) : [];
  if (fields.length) return fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

runServer().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${startupFailure(error)}\n`);
  process.exit(1);
});
