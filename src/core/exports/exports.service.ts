import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { JobState } from 'bullmq';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Counter } from 'prom-client';
import { exportsConfig } from '../../config/exports.config.js';
import { AppException } from '../errors/app.exception.js';
import type { JobEnvelope } from '../queue/job-envelope.js';
import { JobsService } from '../queue/jobs.service.js';
import type { QueueName } from '../queue/queue-names.js';
import { errorCode, isPartFile, PART_SUFFIX, STALE_PART_MS, sweepExpired } from './export-sweep.js';

const HOUR_MS = 3_600_000;

/** The job that wrote an export: its queue, its name and its id (the download's path segment). */
export interface ExportJobRef {
  queue: QueueName;
  name: string;
  id: string;
}

export interface WrittenExport {
  bytes: number;
  expiresAt: Date;
}

export interface OpenedExport<T> {
  stream: ReadStream;
  size: number;
  /** The job's payload, for the caller's file name and content type. */
  payload: T;
}

/**
 * The one export pipeline (GDPR archives, audit exports): files under EXPORT_DIR written
 * through a `.part` file renamed into place, opened for their requester only while younger than
 * EXPORT_TTL_HOURS, and deleted after that by the daily expiry job.
 */
@Injectable()
export class ExportsService {
  private readonly logger = new Logger('Exports');

  constructor(
    private readonly jobs: JobsService,
    @Inject(exportsConfig.KEY) private readonly config: ConfigType<typeof exportsConfig>,
    @InjectMetric('exports_expired_total') private readonly expiredTotal: Counter,
  ) {}

  /** An export file's path below EXPORT_DIR. */
  file(...segments: string[]): string {
    return join(resolve(this.config.dir), ...segments);
  }

  /**
   * Writes `chunks` to `path` through a `.part` file renamed into place, so a download never sees
   * half a file. First removes the `.part` files an earlier attempt of the same export left behind
   * (a worker killed mid-write cannot clean up; the retry of the job does).
   */
  async write(path: string, chunks: AsyncIterable<string>): Promise<WrittenExport> {
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
    const info = await stat(path);
    return { bytes: info.size, expiresAt: this.expiresAt(info.mtimeMs) };
  }

  /**
   * The finished export of `owner`'s job at `fileOf(payload)`. Someone else's job, an unknown
   * one, a missing or an expired file: 404; a failed job: 410 EXPORT_FAILED (it will never be
   * ready; start a new one); a job not yet completed: 409.
   */
  async open<T>(
    owner: string,
    ref: ExportJobRef,
    fileOf: (payload: T) => string,
  ): Promise<OpenedExport<T>> {
    const notFound = () => new AppException('NOT_FOUND', 'Export not found');
    if (!isUUID(ref.id)) throw notFound();
    const job = await this.jobs.queue(ref.queue).getJob(ref.id);
    const data = job?.data as JobEnvelope<T> | undefined;
    if (!job || job.name !== ref.name || data?.meta?.userId !== owner) throw notFound();
    assertCompleted(await job.getState());
    const path = fileOf(data.payload);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || this.expiresAt(info.mtimeMs) <= new Date()) throw notFound();
    return { stream: createReadStream(path), size: info.size, payload: data.payload };
  }

  /**
   * Deletes the export files whose expiry is not after `now`, `.part` files last written
   * STALE_PART_MS or longer before `now`, then the directories that leaves empty; returns the
   * number of files removed. Walks EXPORT_DIR only (see sweepExpired).
   */
  async expire(now = new Date()): Promise<number> {
    const file = now.getTime() - this.config.ttlHours * HOUR_MS;
    const cutoff = { file, part: Math.max(file, now.getTime() - STALE_PART_MS) };
    const counts = { files: 0, directories: 0 };
    // The configured directory itself may be a link (e.g. to shared storage); below it, none is.
    const root = await realpath(resolve(this.config.dir)).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (root && (await lstat(root)).isDirectory()) {
      await sweepExpired(root, cutoff, counts, (err, path) =>
        this.logger.warn({ err, path }, 'Could not expire an export entry'),
      );
    }
    this.expiredTotal.inc(counts.files);
    this.logger.log(
      { count: counts.files, directories: counts.directories, ttlHours: this.config.ttlHours },
      'Deleted expired exports',
    );
    return counts.files;
  }

  /** When an export written at `mtimeMs` expires: from then on its download answers 404. */
  private expiresAt(mtimeMs: number): Date {
    return new Date(mtimeMs + this.config.ttlHours * HOUR_MS);
  }
}

function assertCompleted(state: JobState | 'unknown'): void {
  if (state === 'completed') return;
  if (state === 'failed') {
    throw new AppException('EXPORT_FAILED', 'The export failed; start a new one');
  }
  throw new AppException('CONFLICT', 'The export is not ready yet');
}
