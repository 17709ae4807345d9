import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupConfig } from '../../config/backup.config.js';
import { baseNameOf, DUMP_SUFFIX, UPLOADS_SUFFIX } from './backup-names.js';
import { decryptFile, ENCRYPTED_SUFFIX } from './encryption.js';
import { findPgTool, pgConnection, runTool } from './pg-tools.js';
import { S3BackupStore } from './s3-backup-store.js';

export interface RestoreContext {
  config: BackupConfig;
  /** A dump file path, or a set's name (`backup-<stamp>`) in BACKUP_DIR or the S3 copy. */
  backup: string;
  targetUrl: string;
  log?: (line: string) => void;
}

export interface RestoreResult {
  dump: string;
  uploads?: string;
}

/** The dump file of a set, found locally (downloaded from S3 into `scratch` if only there). */
async function locateDump(context: RestoreContext, scratch: string): Promise<string> {
  if (existsSync(context.backup)) return resolve(context.backup);
  const base = baseNameOf(`${context.backup}.`) ?? baseNameOf(context.backup);
  if (!base) throw new Error(`${context.backup}: no such file and not a backup name`);
  const candidates = [`${base}${DUMP_SUFFIX}`, `${base}${DUMP_SUFFIX}${ENCRYPTED_SUFFIX}`];
  for (const name of candidates) {
    const path = join(resolve(context.config.dir), name);
    if (existsSync(path)) return path;
  }
  const { s3 } = context.config;
  if (s3) {
    const store = new S3BackupStore(s3);
    try {
      const names = new Set(await store.list());
      for (const name of candidates) {
        if (!names.has(name)) continue;
        await store.download(name, join(scratch, name));
        const uploads = name.replace(DUMP_SUFFIX, UPLOADS_SUFFIX);
        if (names.has(uploads)) await store.download(uploads, join(scratch, uploads));
        return join(scratch, name);
      }
    } finally {
      store.close();
    }
  }
  throw new Error(`backup ${base} not found in ${context.config.dir}${s3 ? ' nor in S3' : ''}`);
}

/** A readable plain file: `path` itself, or its decryption in `scratch` (tag checked first). */
async function plain(path: string, scratch: string, key: string | undefined): Promise<string> {
  if (!path.endsWith(ENCRYPTED_SUFFIX)) return path;
  if (!key) throw new Error(`${path} is encrypted: set BACKUP_ENCRYPTION_KEY`);
  const target = join(scratch, basename(path, ENCRYPTED_SUFFIX));
  await decryptFile(path, target, key);
  return target;
}

/**
 * `pg_restore --clean --if-exists --no-owner` of the set's dump into `targetUrl`, then its
 * uploads archive (if any) extracted into FILES_LOCAL_ROOT.
 */
export async function restoreBackup(context: RestoreContext): Promise<RestoreResult> {
  const { config } = context;
  const log = context.log ?? (() => undefined);
  const scratch = await mkdtemp(join(tmpdir(), 'nest-starter-restore-'));
  try {
    const dump = await locateDump(context, scratch);
    const connection = pgConnection(context.targetUrl);
    await runTool(
      findPgTool('pg_restore', config.pgRestore, config.searchPath),
      [
        '--clean',
        '--if-exists',
        '--no-owner',
        '--single-transaction',
        '--exit-on-error',
        `--dbname=${connection.url}`,
        await plain(dump, scratch, config.encryptionKey),
      ],
      { env: connection.env },
    );
    log(`database restored from ${dump}`);
    const uploads = join(dirname(dump), basename(dump).replace(DUMP_SUFFIX, UPLOADS_SUFFIX));
    if (!existsSync(uploads)) return { dump };
    if (!config.uploadsRoot) {
      log(`uploads archive ${uploads} skipped: FILES_DRIVER is not local`);
      return { dump };
    }
    const root = resolve(config.uploadsRoot);
    await mkdir(root, { recursive: true });
    await runTool('tar', ['-xzf', await plain(uploads, scratch, config.encryptionKey), '-C', root]);
    log(`uploads restored into ${root}`);
    return { dump, uploads };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
