/** A backup set: `backup-<UTC stamp>.dump` and, with local uploads, `….uploads.tar.gz`. */
const PREFIX = 'backup-';
const STAMP = /^backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\./;

export const DUMP_SUFFIX = '.dump';
export const UPLOADS_SUFFIX = '.uploads.tar.gz';

/** `backup-20260101T020000Z`: sorts by time, safe in file names and S3 keys. */
export function backupBaseName(at: Date): string {
  return `${PREFIX}${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
}

/** The time in a backup file name, or undefined for any other file. */
export function backupTimeOf(fileName: string): Date | undefined {
  const match = STAMP.exec(fileName);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/** The base name (`backup-<stamp>`) of one of a set's files. */
export function baseNameOf(fileName: string): string | undefined {
  return backupTimeOf(fileName) ? fileName.slice(0, fileName.indexOf('.')) : undefined;
}
