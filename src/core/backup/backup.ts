import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupConfig } from '../../config/backup.config.js';
import {
  backupBaseName,
  backupTimeOf,
  baseNameOf,
  DUMP_SUFFIX,
  UPLOADS_SUFFIX,
} from './backup-names.js';
import { ENCRYPTED_SUFFIX, writeEncrypted } from './encryption.js';
import { findPgTool, pgConnection, runTool } from './pg-tools.js';
import { backupsToKeep } from './retention.js';
import { S3BackupStore } from './s3-backup-store.js';

export interface BackupResult {
  name: string;
  files: string[];
  s3Keys: string[];
  pruned: string[];
}

export interface BackupContext {
  config: BackupConfig;
  databaseUrl: string;
  now?: Date;
  log?: (line: string) => void;
}

/** Writes the stream to `path`, encrypted when a key is configured. */
function writeOut(source: Readable, path: string, key: string | undefined): Promise<void> {
  return key
    ? writeEncrypted(source, path, key)
    : pipeline(source, createWriteStream(path, { mode: 0o600 }));
}

/**
 * One backup set in BACKUP_DIR: `pg_dump --format=custom` of the database and a tar.gz of the
 * local uploads (system `tar`), each encrypted when BACKUP_ENCRYPTION_KEY is set; files are
 * written under `.partial` names and renamed once complete. Then the S3 copy and retention.
 */
export async function runBackup(context: BackupContext): Promise<BackupResult> {
  const { config } = context;
  const log = context.log ?? (() => undefined);
  const now = context.now ?? new Date();
  const dir = resolve(config.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = backupBaseName(now);
  const suffix = config.encryptionKey ? ENCRYPTED_SUFFIX : '';
  const files: string[] = [];
  const finish = async (partial: string, final: string): Promise<void> => {
    await rename(partial, final);
    files.push(final);
  };

  const dumpPath = join(dir, `${name}${DUMP_SUFFIX}${suffix}`);
  const connection = pgConnection(context.databaseUrl);
  try {
    await runTool(
      findPgTool('pg_dump', config.pgDump, config.searchPath),
      ['--format=custom', `--compress=${config.compression}`, `--dbname=${connection.url}`],
      {
        env: connection.env,
        consume: (out) => writeOut(out, `${dumpPath}.partial`, config.encryptionKey),
      },
    );
    await finish(`${dumpPath}.partial`, dumpPath);
    log(`database dumped to ${dumpPath}`);

    if (config.uploadsRoot && existsSync(config.uploadsRoot)) {
      const uploadsPath = join(dir, `${name}${UPLOADS_SUFFIX}${suffix}`);
      await runTool('tar', ['-czf', '-', '-C', resolve(config.uploadsRoot), '.'], {
        consume: (out) => writeOut(out, `${uploadsPath}.partial`, config.encryptionKey),
      });
      await finish(`${uploadsPath}.partial`, uploadsPath);
      log(`uploads archived to ${uploadsPath}`);
    }
  } catch (error) {
    await Promise.all(
      [...files, `${dumpPath}.partial`, join(dir, `${name}${UPLOADS_SUFFIX}${suffix}.partial`)].map(
        (path) => rm(path, { force: true }),
      ),
    );
    throw error;
  }

  const s3Keys: string[] = [];
  const pruned = await pruneLocal(dir, config);
  if (config.s3) {
    const store = new S3BackupStore(config.s3);
    try {
      for (const file of files) s3Keys.push(await store.upload(file));
      log(`copied to s3://${config.s3.bucket}/${config.s3.prefix}/`);
      pruned.push(...(await pruneS3(store, config)).map((key) => `s3:${key}`));
    } finally {
      store.close();
    }
  }
  return { name, files, s3Keys, pruned };
}

/** File names of the sets retention drops. */
export function prunable(fileNames: string[], keep: BackupConfig['keep']): string[] {
  const sets = new Map<string, Date>();
  for (const file of fileNames) {
    const base = baseNameOf(file);
    const at = backupTimeOf(file);
    if (base && at) sets.set(base, at);
  }
  const kept = backupsToKeep([...sets.values()], keep);
  return fileNames.filter((file) => {
    const at = backupTimeOf(file);
    return at !== undefined && !file.endsWith('.partial') && !kept.has(at.getTime());
  });
}

async function pruneLocal(dir: string, config: BackupConfig): Promise<string[]> {
  const names = [];
  for (const entry of await readdir(dir)) {
    if ((await stat(join(dir, entry))).isFile()) names.push(entry);
  }
  const drop = prunable(names, config.keep);
  for (const file of drop) await rm(join(dir, file), { force: true });
  return drop;
}

async function pruneS3(store: S3BackupStore, config: BackupConfig): Promise<string[]> {
  const drop = prunable(await store.list(), config.keep);
  if (drop.length) await store.remove(drop);
  return drop;
}
