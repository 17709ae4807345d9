import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobState } from 'bullmq';
import { AppException } from '../errors/app.exception.js';

/** The temporary files an export is written to: `<file>.<random>.part`, renamed when complete. */
export const PART_SUFFIX = '.part';

/**
 * A `.part` file not written to for this long belongs to a write that died (a killed worker):
 * the daily expiry job deletes it. A running export appends every batch, far more often.
 */
export const STALE_PART_MS = 3_600_000;

export const isPartFile = (name: string): boolean => name.endsWith(PART_SUFFIX);

/**
 * Writes `chunks` to `path` through a `.part` file renamed into place, so a download never sees
 * half a file. First removes the `.part` files an earlier attempt of the same export left behind
 * (a worker killed mid-write cannot clean up; the retry of the job does).
 */
export async function writeExportFile(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && isPartFile(name)) await rm(join(dir, name), { force: true });
  }
  const partial = `${path}.${randomUUID()}${PART_SUFFIX}`;
  try {
    await pipeline(Readable.from(chunks), createWriteStream(partial));
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * The download of an export job in `state`: a failed job answers 410 `EXPORT_FAILED` (it will
 * never be ready; start a new export), anything else not yet completed 409 `CONFLICT`.
 */
export function assertExportCompleted(state: JobState | 'unknown'): void {
  if (state === 'completed') return;
  if (state === 'failed') {
    throw new AppException('EXPORT_FAILED', 'The export failed; start a new one');
  }
  throw new AppException('CONFLICT', 'The export is not ready yet');
}
