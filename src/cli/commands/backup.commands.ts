import { backupConfig } from '../../config/backup.config.js';
import { runBackup } from '../../core/backup/backup.js';
import { writeBackupStatus } from '../../core/backup/backup-status.js';
import { databaseNameOf } from '../../core/backup/pg-tools.js';
import { restoreBackup } from '../../core/backup/restore.js';
import { stopEmbeddedPostgres } from '../../core/database/embedded-postgres.js';
import { type CliCommand, CliFailure, print } from '../cli-command.js';
import { databaseUrl } from '../cli-runtime.js';
import { ask } from '../prompt.js';

async function backup(): Promise<void> {
  const config = backupConfig();
  const now = new Date();
  try {
    const result = await runBackup({ config, databaseUrl: await databaseUrl(), now, log: print });
    for (const file of result.pruned) print(`pruned ${file}`);
    if (config.metricsDir) await writeBackupStatus(config.metricsDir, 'success', now);
    print(`backup ok: ${result.name} last_success=${now.toISOString()}`);
  } catch (error) {
    if (config.metricsDir) await writeBackupStatus(config.metricsDir, 'failure', new Date());
    throw error;
  } finally {
    await stopEmbeddedPostgres();
  }
}

async function restore(
  backupName: string,
  targetUrl: string | undefined,
  yes: boolean,
): Promise<void> {
  const config = backupConfig();
  try {
    const target = targetUrl ?? (await databaseUrl());
    const database = databaseNameOf(target);
    if (!yes) {
      const answer = await ask(
        `This replaces the contents of database "${database}" (and the local uploads). ` +
          'Type the database name to continue: ',
      );
      if (answer.trim() !== database)
        throw new CliFailure('restore cancelled: the name did not match');
    }
    const result = await restoreBackup({
      config,
      backup: backupName,
      targetUrl: target,
      log: print,
    });
    print(`restore ok: ${result.dump} into ${database}${result.uploads ? ' (with uploads)' : ''}`);
  } finally {
    await stopEmbeddedPostgres();
  }
}

export const backupCommands: CliCommand[] = [
  {
    name: 'backup',
    args: '',
    summary:
      'pg_dump + local uploads into BACKUP_DIR (encrypted, copied to S3, pruned as configured)',
    details: [
      'Writes backup-<UTC stamp>.dump[.enc] and backup-<stamp>.uploads.tar.gz[.enc];',
      'keeps BACKUP_KEEP_DAILY daily and BACKUP_KEEP_WEEKLY weekly sets; with BACKUP_METRICS_DIR,',
      'records the outcome in nest_starter_backup.prom (node-exporter textfile collector).',
    ],
    run: backup,
  },
  {
    name: 'restore',
    args: '<backup> [--yes] [--target-url <url>]',
    summary: 'restore a backup set (a .dump path or a backup-<stamp> name) and its uploads',
    details: [
      'Asks for the target database name as confirmation (--yes skips it, for scripts).',
      'Restores into DATABASE_URL unless --target-url is given; pg_restore --clean --if-exists --no-owner.',
    ],
    options: { yes: { type: 'boolean' }, 'target-url': { type: 'string' } },
    positionals: [1, 1],
    run: ({ positionals, flags }) =>
      restore(
        positionals[0],
        typeof flags['target-url'] === 'string' ? flags['target-url'] : undefined,
        flags.yes === true,
      ),
  },
];
