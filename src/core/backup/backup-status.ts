import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATUS_FILE = 'nest_starter_backup.prom';
const SUCCESS = 'nest_starter_backup_last_success_timestamp_seconds';
const FAILURE = 'nest_starter_backup_last_failure_timestamp_seconds';

async function previousValues(path: string): Promise<{ success: number; failure: number }> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const read = (name: string): number => {
    const match = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  };
  return { success: read(SUCCESS), failure: read(FAILURE) };
}

/**
 * Records the outcome for node-exporter's textfile collector: the outcome's gauge set to `at`,
 * the other kept. Written to a temporary file then renamed, so a scrape never sees half a file.
 */
export async function writeBackupStatus(
  dir: string,
  outcome: 'success' | 'failure',
  at: Date,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, STATUS_FILE);
  const values = await previousValues(path);
  values[outcome] = Math.floor(at.getTime() / 1000);
  const text = [
    `# HELP ${SUCCESS} Unix time of the last successful backup`,
    `# TYPE ${SUCCESS} gauge`,
    `${SUCCESS} ${values.success}`,
    `# HELP ${FAILURE} Unix time of the last failed backup`,
    `# TYPE ${FAILURE} gauge`,
    `${FAILURE} ${values.failure}`,
    '',
  ].join('\n');
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await rename(temporary, path);
}
