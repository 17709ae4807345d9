import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dataDirectoryMajor,
  embeddedServerMajor,
  startEmbeddedPostgres,
} from '../../src/core/database/embedded-postgres.js';
import { freePort } from '../support/child-process.js';

/**
 * The embedded PostgreSQL (no DATABASE_URL) and data directories of another major version:
 * development data is never dropped silently, the suite's own cluster is initialised again.
 */
describe('embedded PostgreSQL data directories', () => {
  const dirs: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function directoryOfAnotherMajor(): Promise<{ dir: string; other: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-pg-'));
    dirs.push(dir);
    const other = embeddedServerMajor() + 3;
    await mkdir(join(dir, 'base'));
    await writeFile(join(dir, 'PG_VERSION'), `${other}\n`);
    return { dir, other };
  }

  it('refuses development data of another major version and leaves it in place', async () => {
    const { dir, other } = await directoryOfAnotherMajor();
    const port = await freePort();
    await expect(startEmbeddedPostgres({ dir, port })).rejects.toThrow(
      `holds PostgreSQL ${other} data but the embedded server is PostgreSQL ${embeddedServerMajor()}: ` +
        'remove the directory (this deletes the development data) or set DATABASE_URL',
    );
    expect(await readFile(join(dir, 'PG_VERSION'), 'utf8')).toBe(`${other}\n`);
  });

  it('initialises a disposable directory again and serves the major version it reports', async () => {
    const { dir, other } = await directoryOfAnotherMajor();
    const logged: string[] = [];
    const handle = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      database: 'probe',
      disposable: true,
      log: (message) => logged.push(message),
    });
    stops.push(handle.stop);
    expect(logged[0]).toContain(`holds PostgreSQL ${other} data: initialising it again`);
    expect(dataDirectoryMajor(dir)).toBe(embeddedServerMajor());
    const client = new pg.Client({ connectionString: handle.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>(
        "SELECT current_setting('server_version_num') AS version",
      );
      expect(Math.floor(Number(rows[0]!.version) / 10_000)).toBe(embeddedServerMajor());
    } finally {
      await client.end();
    }
  });
});
