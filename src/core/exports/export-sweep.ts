import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The temporary files an export is written to: `<file>.<random>.part`, renamed when complete. */
export const PART_SUFFIX = '.part';

/**
 * A `.part` file not written to for this long belongs to a write that died (a killed worker):
 * the daily expiry job deletes it. A running export appends every batch, far more often.
 */
export const STALE_PART_MS = 3_600_000;

export const isPartFile = (name: string): boolean => name.endsWith(PART_SUFFIX);

export const errorCode = (error: unknown): string | undefined => (error as { code?: string }).code;

export interface SweepCutoffs {
  /** Export files last modified at or before this (ms) are expired. */
  file: number;
  /** `.part` files too: a write that has not advanced since then is dead. */
  part: number;
}

export interface SweepCounts {
  files: number;
  directories: number;
}

interface SweepResult {
  /** Nothing is left in the directory. */
  empty: boolean;
  /** This run removed something from it (a file, or a directory left empty). */
  changed: boolean;
}

/**
 * Removes from `dir` (a real directory) the files older than their cutoff, then the directories
 * that leaves empty. Never follows a symbolic link: links are neither followed nor removed, so
 * nothing outside `dir` is ever touched. Entries that cannot be removed are passed to `warn`.
 */
export async function sweepExpired(
  dir: string,
  cutoff: SweepCutoffs,
  counts: SweepCounts,
  warn: (error: unknown, path: string) => void,
): Promise<SweepResult> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') warn(error, dir);
    return { empty: false, changed: false };
  }
  let left = entries.length;
  let changed = false;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    try {
      // Dirent types come from lstat: a symbolic link is neither a file nor a directory here.
      if (entry.isDirectory()) {
        const info = await lstat(path);
        // Swapped for a link since readdir, or not below `dir` after all: leave it alone.
        if (!info.isDirectory() || (await realpath(path)) !== path) continue;
        const inner = await sweepExpired(path, cutoff, counts, warn);
        // An empty directory is kept while fresh: a worker may have just created it.
        if (inner.empty && (inner.changed || info.mtimeMs <= cutoff.file)) {
          await rmdir(path);
          counts.directories++;
          left--;
          changed = true;
        }
      } else if (entry.isFile()) {
        const info = await lstat(path);
        const limit = isPartFile(entry.name) ? cutoff.part : cutoff.file;
        if (info.isFile() && info.mtimeMs <= limit) {
          await unlink(path); // on a link (swapped in since lstat) this removes the link only
          counts.files++;
          left--;
          changed = true;
        }
      }
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') left--;
      // ENOTEMPTY/EEXIST: something was written into the directory meanwhile; keep it.
      else if (code !== 'ENOTEMPTY' && code !== 'EEXIST') warn(error, path);
    }
  }
  return { empty: left === 0, changed };
}
