import 'reflect-metadata';
import { runServer } from '../../src/server.js';
import { TestFeatureModule } from './test-feature.module.js';

// The real process entry (config, signals, shutdown) with the test-only routes mounted.
runServer({ extraModules: [TestFeatureModule] }).catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${String(error)}\n`);
  process.exit(1);
});
