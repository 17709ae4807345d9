import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/core/database/embedded-postgres.js';
import { TEST_JWT_SECRET, TEST_POOL_SIZES } from './app.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- …` as the npm script runs it (TypeScript through @swc-node, no build). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'src/cli/main.ts', ...args],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...TEST_POOL_SIZES,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A fresh, empty database of this run (the global teardown drops it with the others). */
export async function freshDatabase(label: string): Promise<string> {
  const admin = new URL(inject('adminDatabaseUrl'));
  const name = `starter_test_${inject('runId')}_${process.env.VITEST_POOL_ID ?? '1'}_${label}_${randomUUID().slice(0, 6)}`;
  await ensureDatabase(admin.toString(), name);
  admin.pathname = `/${name}`;
  return admin.toString();
}

/** The environment of a CLI run against `databaseUrl` (test mode, no Redis, quiet logs). */
export function cliEnv(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_ITERATIONS: '1',
    ...extra,
  };
}
