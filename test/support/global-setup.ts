import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/core/database/embedded-postgres.js';
import { isReachable, TEST_REDIS_URL } from './services.js';
import {
  databasePrefixOf,
  embeddedTestPort,
  redisPrefixOf,
  removeRunKeys,
  runIdOf,
  runPidOf,
} from './test-run.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    redisUrl: string | null;
    runId: string;
    /** Prefix of every Redis key (QUEUE_PREFIX) of this run; the teardown removes them. */
    redisKeyPrefix: string;
  }
}

/**
 * Once per run: a PostgreSQL server (DATABASE_URL, else an embedded one of this checkout: its
 * own data dir and a port derived from its path), this checkout's stale test databases
 * dropped, and whether Redis is reachable. Names carry `<checkout>p<pid>`, so a concurrent run
 * of another checkout (or of this one) is never touched: the teardown drops this run's
 * databases and Redis keys only, then checks that none of its keys is left.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => undefined as void;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({
      dir: '.data/postgres-test',
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? embeddedTestPort(process.cwd())),
      database: 'postgres',
      disposable: true,
    });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  // Databases left by earlier runs of this checkout whose process is gone.
  const checkout = process.cwd();
  const runId = runIdOf(checkout, process.pid);
  await dropTestDatabases(adminUrl, (name, inUse) => {
    const pid = runPidOf(name, checkout);
    return pid !== undefined && !inUse && !isAlive(pid);
  });

  const redis = (await isReachable(TEST_REDIS_URL)) ? TEST_REDIS_URL : null;
  if (!redis && process.env.REQUIRE_REDIS === '1') {
    throw new Error(`REQUIRE_REDIS=1 but Redis is not reachable at ${TEST_REDIS_URL}`);
  }
  if (!redis)
    console.warn(`Redis not reachable at ${TEST_REDIS_URL}: Redis-backed variants will be skipped`);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('redisUrl', redis);
  project.provide('runId', runId);
  project.provide('redisKeyPrefix', redisPrefixOf(runId));
  return async () => {
    await dropTestDatabases(adminUrl, (name) => name.startsWith(databasePrefixOf(runId)));
    if (redis) await removeRunKeys(redis, redisPrefixOf(runId));
    // A concurrent run may be using the embedded cluster this run started: leave it up then.
    if (!(await hasOtherClients(adminUrl))) await stop();
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function hasOtherClients(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return rows[0].n > 0;
  } finally {
    await client.end();
  }
}

async function dropTestDatabases(
  adminUrl: string,
  shouldDrop: (name: string, inUse: boolean) => boolean,
): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; in_use: boolean }>(
      `SELECT d.datname, EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) AS in_use
       FROM pg_database d WHERE d.datname LIKE 'starter_test_%'`,
    );
    for (const { datname, in_use } of rows) {
      if (shouldDrop(datname, in_use)) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  } finally {
    await client.end();
  }
}
