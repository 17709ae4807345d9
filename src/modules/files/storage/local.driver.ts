import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { constants, createWriteStream, type Dirent, type WriteStream } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  StorageNotFoundError,
  type ByteRange,
  type PresignOptions,
  type StorageDriver,
  type StoredObjectInfo,
} from './storage.driver.js';

const TMP_DIR = '.tmp';

/** Objects as files under a root directory; writes go through a temp file, fsync and rename. */
export class LocalStorageDriver implements StorageDriver {
  readonly name = 'local' as const;
  private readonly root: string;
  private readonly tmpDir: string;

  constructor(options: { root: string }) {
    this.root = resolve(options.root);
    this.tmpDir = join(this.root, TMP_DIR);
  }

  async put(
    key: string,
    body: Readable,
    options: { contentType: string; signal?: AbortSignal },
  ): Promise<{ size: number }> {
    const target = this.pathOf(key);
    const { signal } = options;
    signal?.throwIfAborted();
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, randomUUID());
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(null, chunk);
      },
    });
    let file: WriteStream | undefined;
    try {
      // `flush` fsyncs the file before the stream closes, so the rename below publishes data
      // that is on disk.
      file = createWriteStream(tmp, { flags: 'wx', mode: 0o640, flush: true });
      await pipeline(body, counter, file, { signal });
      signal?.throwIfAborted();
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (error) {
      // The open is asynchronous: a body that fails at once can beat it, and the file would
      // appear after the rm. Wait until the stream has closed its descriptor.
      if (file && !file.closed) await once(file, 'close').catch(() => undefined);
      await rm(tmp, { force: true });
      throw abortReasonFor(error, signal) ?? error;
    }
    await syncDirectory(dirname(target));
    return { size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    // Opening first makes a missing object a rejection here rather than a later stream error.
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isMissing(error) || isCode(error, 'EISDIR') ? new StorageNotFoundError(key) : error;
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StorageNotFoundError(key);
      if (range) assertSatisfiable(range, info.size);
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    assertSafePrefix(prefix);
    // Only the directory named by the prefix's complete segments can hold matches.
    const baseDir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    for await (const path of this.walk(join(this.root, baseDir))) {
      const key = relative(this.root, path).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await stat(path).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (info?.isFile()) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  async presignGet(key: string, _options?: PresignOptions): Promise<string | null> {
    this.pathOf(key);
    return null;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }

  /** Removes temp files of interrupted puts not written to for `olderThanMs`; returns the count. */
  async cleanTemp(olderThanMs: number): Promise<number> {
    const bound = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await readdir(this.tmpDir).catch(emptyWhenMissing)) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < bound) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) {
      throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
    }
    return path;
  }

  private async *walk(dir: string): AsyncGenerator<string> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== this.tmpDir) yield* this.walk(path);
      } else if (entry.isFile()) {
        yield path;
      }
    }
  }
}

/** A list prefix: empty (everything) or a key's beginning, possibly ending with `/`. */
function assertSafePrefix(prefix: string): void {
  if (prefix !== '') assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

function assertSatisfiable(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
  if (start >= size) throw new RangeError(`Byte range ${start}-${end} outside object of ${size}`);
}

/** Makes a completed rename durable (the directory entry, not only the file's data). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** pipeline wraps an abort in its own AbortError; callers get the signal's reason instead. */
function abortReasonFor(error: unknown, signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted) return undefined;
  return error === signal.reason || (error instanceof Error && error.name === 'AbortError')
    ? signal.reason
    : undefined;
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function isMissing(error: unknown): boolean {
  return isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR');
}

function emptyWhenMissing(error: unknown): string[] {
  if (isMissing(error)) return [];
  throw error;
}
