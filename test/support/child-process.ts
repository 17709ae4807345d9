import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { inject } from 'vitest';
import { TEST_JWT_SECRET, TEST_POOL_SIZES, workerDatabaseUrl } from './app.js';

export interface Child {
  process: ChildProcess;
  lines: string[];
  stderr: string[];
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/**
 * The environment of an app in a child process: the worker's database, the test JWT secret, its
 * own queue prefix, info logs (the tests read its lines) on 127.0.0.1.
 */
export async function childAppEnv(queuePrefix: string): Promise<Record<string, string>> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: await workerDatabaseUrl(),
    JWT_SECRET: TEST_JWT_SECRET,
    QUEUE_PREFIX: `${inject('redisKeyPrefix')}-${queuePrefix}-${randomUUID().slice(0, 8)}`,
  };
}

/** Runs a TypeScript entry in a real Node process (SWC-compiled on the fly), collecting its output. */
export function spawnTs(entry: string, env: Record<string, string>, args: string[] = []): Child {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', entry, ...args],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...TEST_POOL_SIZES,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    process: child,
    lines,
    stderr,
    exited,
    waitForLine: (match, timeoutMs = 30_000) => {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching line within ${timeoutMs} ms; stderr: ${stderr.join('')}`),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
