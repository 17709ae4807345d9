import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/core/database/embedded-postgres.js';
import { freePort } from './child-process.js';
import { eventually } from './eventually.js';
import { isReachable } from './services.js';

/**
 * Servers that a fault test starts, stops and restarts itself — never the machine's shared
 * PostgreSQL or Redis, which every other spec uses.
 */
export interface OwnService {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}

/** A redis-server of the test's own on a free port (the binary the machine and CI have). */
export async function startOwnRedis(): Promise<OwnService> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child && child.exitCode === null) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await eventually(async () => {
      if (!(await isReachable(url))) throw new Error(`redis on ${port} not up yet`);
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, start, stop, dispose: stop };
}

/** An embedded PostgreSQL of the test's own, in a temporary directory, on a free port. */
export async function startOwnPostgres(database = 'fault'): Promise<OwnService> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'own-pg-'));
  let handle = await startEmbeddedPostgres({ dir, port, database });
  let running = true;
  return {
    url: handle.url,
    start: async () => {
      if (running) return;
      handle = await startEmbeddedPostgres({ dir, port, database });
      running = true;
    },
    stop: async () => {
      if (!running) return;
      running = false;
      await handle.stop();
    },
    dispose: async () => {
      if (running) await handle.stop();
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A request that has not answered by then is hanging, which is the defect under test; the
 * bound is several times every configured timeout, so it says nothing about speed.
 */
const HANG_MS = 8_000;

/** The response, or a failure naming the request that did not answer within HANG_MS. */
export async function answered<T>(label: string, request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} hung past ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([request, hang]);
  } finally {
    clearTimeout(timer);
  }
}
