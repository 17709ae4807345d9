import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // SWC keeps decorator metadata, which Nest's dependency injection needs.
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } })],
  // One graphql instance: the CommonJS build that Node (and so Mercurius and Nest) loads.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Each worker's test apps hold PostgreSQL connections (the queue backend alone ~20 per app):
    // CI runs one worker so a shared server's 100 connections always suffice.
    maxWorkers: Number(process.env.TEST_MAX_WORKERS ?? 2),
    testTimeout: 30_000,
    // Hooks may start real server processes (compiled on the fly) on a loaded 2-core machine.
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts', 'src/main.ts', 'src/cli/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80 },
      // A failing run still reports the coverage it reached.
      reportOnFailure: true,
    },
  },
});
