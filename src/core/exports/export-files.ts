import { type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * When an export file last written at `mtimeMs` expires: from then on its download answers 404
 * and the daily `exports-expiry` job deletes it.
 */
export const exportExpiresAt = (mtimeMs: number, ttlHours: number): Date =>
  new Date(mtimeMs + ttlHours * 3_600_000);

/**
 * The stats of a downloadable export file; undefined when it is missing or expired, which the
 * download routes answer alike (404), whether or not the daily job has deleted it yet.
 */
export async function liveExportFile(
  path: string,
  ttlHours: number,
  now = new Date(),
): Promise<Stats | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() && exportExpiresAt(info.mtimeMs, ttlHours) > now ? info : undefined;
}
