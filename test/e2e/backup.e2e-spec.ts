import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupConfig } from '../../src/config/backup.config.js';
import { runBackup } from '../../src/core/backup/backup.js';
import { backupBaseName } from '../../src/core/backup/backup-names.js';
import { restoreBackup } from '../../src/core/backup/restore.js';
import { S3BackupStore } from '../../src/core/backup/s3-backup-store.js';
import { cliEnv, freshDatabase, runCli } from '../support/cli-runner.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';

const KEY = 'a backup passphrase of at least 32 chars';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** table → row count and an md5 over every row's text, in a stable order. */
function tableChecksums(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    const sums: Record<string, string> = {};
    for (const { name } of rows) {
      const {
        rows: [row],
      } = await c.query<{ n: number; sum: string | null }>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM "${name}" t`,
      );
      sums[name] = `${row.n}:${row.sum}`;
    }
    return sums;
  });
}

async function fileHashes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else
        out[relative(root, path)] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
    }
  };
  await walk(root);
  return out;
}

const publicTables = (url: string): Promise<number> =>
  withClient(
    url,
    async (c) =>
      (
        await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
        )
      ).rows[0].n,
  );

describe('backup and restore', () => {
  let scratch: string;
  let sourceUrl: string;
  let uploads: string;
  let sourceSums: Record<string, string>;
  let sourceFiles: Record<string, string>;

  const config = (overrides: Partial<BackupConfig> = {}): BackupConfig => ({
    dir: join(scratch, 'backups'),
    metricsDir: join(scratch, 'metrics'),
    pgDump: undefined,
    pgRestore: undefined,
    compression: 6,
    searchPath: process.env.PATH ?? '',
    encryptionKey: undefined,
    keep: { daily: 7, weekly: 4 },
    uploadsRoot: uploads,
    s3: undefined,
    ...overrides,
  });

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'backup-spec-'));
    uploads = join(scratch, 'uploads');
    sourceUrl = await freshDatabase('bk_src');
    const seed = await runCli(['seed'], cliEnv(sourceUrl, { FILES_LOCAL_ROOT: uploads }));
    expect(seed.code).toBe(0);
    sourceSums = await tableChecksums(sourceUrl);
    sourceFiles = await fileHashes(uploads);
  }, 60_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('the seeded source has users, files with bytes on disk and notifications', () => {
    expect(sourceSums.users).toMatch(/^3:/);
    expect(sourceSums.files).toMatch(/^3:/);
    expect(sourceSums.notifications).toMatch(/^3:/);
    expect(Object.keys(sourceFiles)).toHaveLength(3);
  });

  it('`backup` then `restore --yes` into a fresh database gives the same rows and files', async () => {
    const env = cliEnv(sourceUrl, {
      FILES_LOCAL_ROOT: uploads,
      BACKUP_DIR: join(scratch, 'cli-backups'),
      BACKUP_METRICS_DIR: join(scratch, 'cli-metrics'),
    });
    const backup = await runCli(['backup'], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const name = /^backup ok: (backup-\d{8}T\d{6}Z) last_success=/m.exec(backup.stdout)?.[1];
    expect(name).toBeDefined();
    expect((await readdir(join(scratch, 'cli-backups'))).sort()).toEqual([
      `${name}.dump`,
      `${name}.uploads.tar.gz`,
    ]);
    const status = await readFile(join(scratch, 'cli-metrics', 'nest_starter_backup.prom'), 'utf8');
    expect(status).toMatch(/^nest_starter_backup_last_success_timestamp_seconds [1-9]\d+$/m);
    expect(status).toMatch(/^nest_starter_backup_last_failure_timestamp_seconds 0$/m);

    const target = await freshDatabase('bk_dst');
    const restoredUploads = join(scratch, 'restored-cli');
    const refused = await runCli(
      ['restore', name!, '--target-url', target],
      { ...env, FILES_LOCAL_ROOT: restoredUploads },
      'not-it\n',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `This replaces the contents of database "${new URL(target).pathname.slice(1)}" (and the local uploads). ` +
        'Type the database name to continue: restore cancelled: the name did not match\n',
    );
    expect(await publicTables(target)).toBe(0);

    const restore = await runCli(['restore', name!, '--target-url', target, '--yes'], {
      ...env,
      FILES_LOCAL_ROOT: restoredUploads,
    });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(await tableChecksums(target)).toEqual(sourceSums);
    expect(await fileHashes(restoredUploads)).toEqual(sourceFiles);
  }, 90_000);

  it('an encrypted backup holds no plain dump and restores only with the key', async () => {
    const dir = join(scratch, 'encrypted');
    const result = await runBackup({
      config: config({ dir, encryptionKey: KEY }),
      databaseUrl: sourceUrl,
    });
    expect(result.files.map((f) => f.slice(dir.length + 1))).toEqual([
      `${result.name}.dump.enc`,
      `${result.name}.uploads.tar.gz.enc`,
    ]);
    const bytes = await readFile(result.files[0]);
    expect(bytes.subarray(0, 8).toString()).toBe('NSBKENC1');
    expect(bytes.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(bytes.includes(Buffer.from('alice@example.com'))).toBe(false);

    const wrong = await freshDatabase('bk_wrong');
    await expect(
      restoreBackup({
        config: config({ dir, encryptionKey: `${KEY}-other` }),
        backup: result.name,
        targetUrl: wrong,
      }),
    ).rejects.toThrow(/wrong BACKUP_ENCRYPTION_KEY or a damaged file/);
    await expect(
      restoreBackup({ config: config({ dir }), backup: result.name, targetUrl: wrong }),
    ).rejects.toThrow(/is encrypted: set BACKUP_ENCRYPTION_KEY/);
    expect(await publicTables(wrong)).toBe(0);

    const target = await freshDatabase('bk_enc');
    const restoredUploads = join(scratch, 'restored-enc');
    await restoreBackup({
      config: config({ dir, encryptionKey: KEY, uploadsRoot: restoredUploads }),
      backup: result.files[0],
      targetUrl: target,
    });
    expect(await tableChecksums(target)).toEqual(sourceSums);
    expect(await fileHashes(restoredUploads)).toEqual(sourceFiles);
  }, 90_000);

  it('keeps 7 daily + 4 weekly sets and deletes the rest (fake dates)', async () => {
    const dir = join(scratch, 'retention');
    await mkdir(dir, { recursive: true });
    const now = new Date('2026-03-31T02:00:00Z'); // a Tuesday
    // Two sets a day for 60 days before `now`, and a file that is not a backup.
    for (let day = 1; day <= 60; day += 1) {
      for (const hour of [1, 13]) {
        const at = new Date(now.getTime() - day * 86_400_000 + (hour - 2) * 3_600_000);
        await writeFile(join(dir, `${backupBaseName(at)}.dump`), 'old');
        await writeFile(join(dir, `${backupBaseName(at)}.uploads.tar.gz`), 'old');
      }
    }
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await runBackup({
      config: config({ dir, uploadsRoot: undefined }),
      databaseUrl: sourceUrl,
      now,
    });

    const left = (await readdir(dir)).sort();
    const days = [
      ...new Set(left.filter((f) => f.startsWith('backup-')).map((f) => f.slice(7, 22))),
    ];
    // Newest per day: today's, then 13:00 of 03-30 … 03-25 (7 days); newest per Monday-based
    // week: today's (this week), 03-29, 03-22, 03-15.
    expect(days).toEqual([
      '20260315T130000',
      '20260322T130000',
      '20260325T130000',
      '20260326T130000',
      '20260327T130000',
      '20260328T130000',
      '20260329T130000',
      '20260330T130000',
      '20260331T020000',
    ]);
    expect(left).toHaveLength(8 * 2 + 1 + 1); // 8 old sets, today's dump, notes.txt
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  }, 60_000);

  describe('with an S3 copy', () => {
    let s3: TestS3Server;
    beforeAll(async () => {
      s3 = await startS3Server();
    });
    afterAll(async () => {
      await s3?.stop();
    });

    it('uploads the set, prunes old copies, and restores from S3 when the local files are gone', async () => {
      const s3Config = {
        bucket: s3.bucket,
        prefix: 'nightly',
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        timeoutMs: 30_000,
      };
      const store = new S3BackupStore(s3Config);
      const old = join(scratch, `${backupBaseName(new Date('2020-01-01T00:00:00Z'))}.dump`);
      await writeFile(old, 'ancient');
      await store.upload(old);

      const dir = join(scratch, 's3-local');
      // Retention counts days and weeks that have a backup: keep only the newest set here.
      const keep = { daily: 1, weekly: 1 };
      const result = await runBackup({
        config: config({ dir, encryptionKey: KEY, s3: s3Config, keep }),
        databaseUrl: sourceUrl,
      });
      expect(result.s3Keys).toEqual([
        `nightly/${result.name}.dump.enc`,
        `nightly/${result.name}.uploads.tar.gz.enc`,
      ]);
      expect(result.pruned).toEqual(['s3:backup-20200101T000000Z.dump']);
      expect((await store.list()).sort()).toEqual([
        `${result.name}.dump.enc`,
        `${result.name}.uploads.tar.gz.enc`,
      ]);
      store.close();

      await rm(dir, { recursive: true, force: true });
      const target = await freshDatabase('bk_s3');
      const restoredUploads = join(scratch, 'restored-s3');
      await restoreBackup({
        config: config({ dir, encryptionKey: KEY, s3: s3Config, uploadsRoot: restoredUploads }),
        backup: result.name,
        targetUrl: target,
      });
      expect(await tableChecksums(target)).toEqual(sourceSums);
      expect(await fileHashes(restoredUploads)).toEqual(sourceFiles);
    }, 90_000);
  });

  it('a failed backup records its time and keeps the last success; no partial file is left', async () => {
    const metricsDir = join(scratch, 'fail-metrics');
    const dir = join(scratch, 'fail');
    await mkdir(metricsDir, { recursive: true });
    await writeFile(
      join(metricsDir, 'nest_starter_backup.prom'),
      'nest_starter_backup_last_success_timestamp_seconds 1700000000\nnest_starter_backup_last_failure_timestamp_seconds 0\n',
    );
    const run = await runCli(
      ['backup'],
      cliEnv(sourceUrl, {
        BACKUP_DIR: dir,
        BACKUP_METRICS_DIR: metricsDir,
        BACKUP_PG_DUMP: '/bin/false',
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('/bin/false exited with 1: no output\n');
    const status = await readFile(join(metricsDir, 'nest_starter_backup.prom'), 'utf8');
    expect(status).toMatch(/^nest_starter_backup_last_success_timestamp_seconds 1700000000$/m);
    expect(status).toMatch(/^nest_starter_backup_last_failure_timestamp_seconds [1-9]\d+$/m);
    expect(await readdir(dir)).toEqual([]);
    expect((await readdir(metricsDir)).sort()).toEqual(['nest_starter_backup.prom']);
  }, 60_000);
});
