import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Counter } from 'prom-client';
import { exportsConfig } from '../../config/exports.config.js';
import { isPartFile, STALE_PART_MS } from '../../core/exports/export-writes.js';

export const EXPORTS_EXPIRE_JOB = 'exports-expire';
export const EXPORTS_EXPIRY_SCHEDULER_ID = 'exports-expiry-daily';
/** Every day at 04:37 UTC. */
export const EXPORTS_EXPIRY_PATTERN = '37 4 * * *';

const HOUR_MS = 3_600_000;

const errorCode = (error: unknown): string | undefined => (error as { code?: string }).code;

interface Cutoffs {
  /** Export files last modified at or before this (ms) are expired. */
  file: number;
  /** `.part` files too: a write that has not advanced since then is dead. */
  part: number;
}

interface SweepResult {
  /** Nothing is left in the directory. */
  empty: boolean;
  /** This run removed something from it (a file, or a directory left empty). */
  changed: boolean;
}

/**
 * Deletes export files (GDPR archives under `EXPORT_DIR/<user>/`, audit exports under
 * `EXPORT_DIR/audit/<user>/`) last modified more than EXPORT_TTL_HOURS ago, `.part` files not
 * written to for an hour (STALE_PART_MS: left by a killed worker; a running export keeps its
 * own fresh), then the directories that leaves empty. It walks EXPORT_DIR only and
 * never follows a symbolic link: links are neither followed nor removed, so nothing outside
 * EXPORT_DIR is ever touched.
 */
@Injectable()
export class ExportExpiryService {
  private readonly logger = new Logger('Exports');

  constructor(
    @Inject(exportsConfig.KEY) private readonly config: ConfigType<typeof exportsConfig>,
    @InjectMetric('exports_expired_total') private readonly expiredTotal: Counter,
  ) {}

  /**
   * Returns the number of files removed: those whose `exportExpiresAt` is not after `now`, and
   * `.part` files last written STALE_PART_MS or longer before `now`.
   */
  async deleteExpired(now = new Date()): Promise<number> {
    const file = now.getTime() - this.config.ttlHours * HOUR_MS;
    const cutoff: Cutoffs = { file, part: Math.max(file, now.getTime() - STALE_PART_MS) };
    const counts = { files: 0, directories: 0 };
    // The configured directory itself may be a link (e.g. to shared storage); below it, none is.
    const root = await realpath(resolve(this.config.dir)).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (root && (await lstat(root)).isDirectory()) await this.sweep(root, cutoff, counts);
    this.expiredTotal.inc(counts.files);
    this.logger.log(
      { count: counts.files, directories: counts.directories, ttlHours: this.config.ttlHours },
      'Deleted expired exports',
    );
    return counts.files;
  }

  private async sweep(
    dir: string,
    cutoff: Cutoffs,
    counts: { files: number; directories: number },
  ): Promise<SweepResult> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.warn(error, dir);
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
          const inner = await this.sweep(path, cutoff, counts);
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
        else if (code !== 'ENOTEMPTY' && code !== 'EEXIST') this.warn(error, path);
      }
    }
    return { empty: left === 0, changed };
  }

  private warn(error: unknown, path: string): void {
    this.logger.warn({ err: error, path }, 'Could not expire an export entry');
  }
}
