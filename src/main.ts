import 'reflect-metadata';
import { runServer } from './server.js';

runServer().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
