import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../../../test/support/s3.js';
import { LocalStorageDriver } from './local.driver.js';
import { S3StorageDriver } from './s3.driver.js';
import { StorageNotFoundError, type StorageDriver } from './storage.driver.js';

class FileRejectedError extends Error {
  override readonly name = 'FileRejectedError';
}

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Deterministic bytes, so that a misplaced part or range shows up as a mismatch. */
function pattern(size: number, seed = 0): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + seed + Math.floor(i / 251)) & 0xff;
  return bytes;
}

function streamOf(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < bytes.length; offset += CHUNK) {
        yield bytes.subarray(offset, offset + CHUNK);
      }
    })(),
    { objectMode: false },
  );
}

/** Sends `bytes` bytes, then `onLimit` decides: fail the stream, or stall it (return nothing). */
function limitedBody(bytes: number, onLimit: (stream: Readable) => void): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        if (sent === bytes) onLimit(this);
        sent += 1;
        return;
      }
      const size = Math.min(CHUNK, bytes - sent);
      sent += size;
      this.push(pattern(size));
    },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

interface Target {
  driver: StorageDriver;
  /** Extra check that nothing of a failed put is left behind. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

const targets: [string, () => Promise<Target>][] = [
  [
    'local',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'storage-local-'));
      const root = join(dir, 'root');
      return {
        driver: new LocalStorageDriver({ root }),
        leftovers: () => readdir(join(root, '.tmp')).catch(() => []),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    's3',
    async () => {
      const server = await startS3Server();
      const driver = new S3StorageDriver({ ...server, forcePathStyle: true, prefix: 'app' });
      return {
        driver,
        leftovers: async () => [],
        close: async () => {
          driver.destroy();
          await server.stop();
        },
      };
    },
  ],
];

describe.each(targets)('StorageDriver contract: %s', (_name, create) => {
  let target: Target;
  let driver: StorageDriver;
  const key = (name = 'obj') => `t/${randomUUID()}/${name}`;

  beforeAll(async () => {
    target = await create();
    driver = target.driver;
  });
  afterAll(() => target?.close());

  async function expectGone(objectKey: string): Promise<void> {
    expect(await driver.stat(objectKey)).toBeUndefined();
    expect(await collect(driver.list(objectKey))).toEqual([]);
    await expect(driver.get(objectKey)).rejects.toBeInstanceOf(StorageNotFoundError);
    expect(await target.leftovers()).toEqual([]);
  }

  it('round-trips a 12 MB stream (multipart) and reads ranges across part boundaries', async () => {
    const bytes = pattern(12 * MiB + 123);
    const k = key();
    expect(await driver.put(k, streamOf(bytes), { contentType: 'application/pdf' })).toEqual({
      size: bytes.length,
    });
    expect((await readAll(await driver.get(k))).equals(bytes)).toBe(true);
    const across = { start: 5 * MiB - 3, end: 5 * MiB + 3 };
    expect(await readAll(await driver.get(k, across))).toEqual(
      bytes.subarray(across.start, across.end + 1),
    );
    expect(await target.leftovers()).toEqual([]);
  });

  it('round-trips a tiny body and an empty one', async () => {
    const k = key();
    expect(
      await driver.put(k, Readable.from([Buffer.from('hello')]), { contentType: 'text/plain' }),
    ).toEqual({ size: 5 });
    expect((await readAll(await driver.get(k))).toString()).toBe('hello');

    const empty = key();
    expect(await driver.put(empty, Readable.from([]), { contentType: 'text/plain' })).toEqual({
      size: 0,
    });
    expect((await readAll(await driver.get(empty))).length).toBe(0);
    expect((await driver.stat(empty))?.size).toBe(0);
  });

  it('reads the first byte, a middle range and the last byte', async () => {
    const bytes = pattern(1000, 3);
    const k = key();
    await driver.put(k, streamOf(bytes), { contentType: 'application/octet-stream' });
    for (const [start, end] of [
      [0, 0],
      [100, 199],
      [999, 999],
      [990, 2000],
    ]) {
      expect(await readAll(await driver.get(k, { start, end }))).toEqual(
        bytes.subarray(start, end + 1),
      );
    }
    await expect(driver.get(k, { start: 1000, end: 1001 })).rejects.toBeInstanceOf(RangeError);
    await expect(driver.get(k, { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
  });

  it('overwrites an existing object', async () => {
    const k = key();
    await driver.put(k, streamOf(pattern(100)), { contentType: 'text/plain' });
    await driver.put(k, Readable.from([Buffer.from('second')]), { contentType: 'text/plain' });
    expect((await readAll(await driver.get(k))).toString()).toBe('second');
  });

  it('stats objects and reports absent ones as undefined', async () => {
    const k = key();
    const before = Date.now();
    await driver.put(k, streamOf(pattern(4321)), { contentType: 'text/plain' });
    const info = await driver.stat(k);
    expect(info).toMatchObject({ key: k, size: 4321 });
    expect(info?.lastModified).toBeInstanceOf(Date);
    // S3 keeps whole seconds.
    expect(info!.lastModified.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await driver.stat(key('absent'))).toBeUndefined();
  });

  it('deletes idempotently', async () => {
    const k = key();
    await driver.put(k, streamOf(pattern(10)), { contentType: 'text/plain' });
    await driver.delete(k);
    await driver.delete(k);
    await driver.delete(key('never'));
    await expectGone(k);
  });

  it('lists by prefix', async () => {
    const ns = `list/${randomUUID()}`;
    const keys = [`${ns}/a/1`, `${ns}/a/2`, `${ns}/ab`, `${ns}/b/c/3`];
    for (const k of keys) await driver.put(k, streamOf(pattern(3)), { contentType: 'text/plain' });
    const listed = async (prefix: string) =>
      (await collect(driver.list(prefix))).map((o) => o.key).sort();

    expect(await listed(`${ns}/`)).toEqual(keys);
    expect(await listed(`${ns}/a/`)).toEqual([`${ns}/a/1`, `${ns}/a/2`]);
    expect(await listed(`${ns}/a`)).toEqual([`${ns}/a/1`, `${ns}/a/2`, `${ns}/ab`]);
    expect(await listed(`${ns}/b/c/3`)).toEqual([`${ns}/b/c/3`]);
    expect(await listed(`${ns}/zzz`)).toEqual([]);
    expect((await listed('')).filter((k) => k.startsWith(ns))).toEqual(keys);
    const [first] = await collect(driver.list(`${ns}/a/1`));
    expect(first).toMatchObject({ key: `${ns}/a/1`, size: 3 });
    expect(first?.lastModified).toBeInstanceOf(Date);
  });

  describe.each([
    ['after 6 MB', 6 * MiB],
    ['after 10 bytes', 10],
  ])('a body that fails %s', (_label, bytes) => {
    it('rejects with the body error itself and leaves nothing', async () => {
      const k = key();
      const error = new FileRejectedError('not a PDF');
      const body = limitedBody(bytes, (stream) => stream.destroy(error));
      await expect(driver.put(k, body, { contentType: 'application/pdf' })).rejects.toBe(error);
      await expectGone(k);
    });

    it('rejects with the abort reason when the signal aborts, and leaves nothing', async () => {
      const k = key();
      const controller = new AbortController();
      const reason = new FileRejectedError('client went away');
      // The body stalls once it has sent `bytes`, as a slow client would.
      const body = limitedBody(bytes, () => setTimeout(() => controller.abort(reason), 20));
      await expect(
        driver.put(k, body, { contentType: 'text/plain', signal: controller.signal }),
      ).rejects.toBe(reason);
      expect(body.destroyed).toBe(true);
      await expectGone(k);
    });
  });

  it('refuses to start with an already aborted signal', async () => {
    const k = key();
    const signal = AbortSignal.abort();
    await expect(
      driver.put(k, streamOf(pattern(10)), { contentType: 'text/plain', signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await expectGone(k);
  });

  it.each(['../x', '/abs', 'a//b', 'a/../b', '', 'a/./b', 'a\\b', 'a/b/'])(
    'refuses the unsafe key %j in every method',
    async (bad) => {
      const presign = { expiresInSeconds: 60, contentType: 'text/plain', contentDisposition: 'x' };
      await expect(driver.put(bad, streamOf(pattern(1)), { contentType: 'x' })).rejects.toThrow(
        /Unsafe storage key/,
      );
      await expect(driver.get(bad)).rejects.toThrow(/Unsafe storage key/);
      await expect(driver.stat(bad)).rejects.toThrow(/Unsafe storage key/);
      await expect(driver.delete(bad)).rejects.toThrow(/Unsafe storage key/);
      await expect(driver.presignGet(bad, presign)).rejects.toThrow(/Unsafe storage key/);
      if (bad !== '' && bad !== 'a/b/') {
        await expect(collect(driver.list(bad))).rejects.toThrow(/Unsafe storage key/);
      }
    },
  );

  it('rejects get of a missing key with StorageNotFoundError', async () => {
    const k = key('missing');
    await expect(driver.get(k)).rejects.toBeInstanceOf(StorageNotFoundError);
    await expect(driver.get(k, { start: 0, end: 0 })).rejects.toMatchObject({ key: k });
  });

  it('pings', async () => {
    await expect(driver.ping()).resolves.toBeUndefined();
  });
});

describe('presignGet', () => {
  let server: TestS3Server;
  let dir: string;
  beforeAll(async () => {
    server = await startS3Server();
    dir = await mkdtemp(join(tmpdir(), 'storage-local-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const options = {
    expiresInSeconds: 300,
    contentType: 'application/pdf',
    contentDisposition: 'attachment; filename="report.pdf"',
  };

  it('is null for the local driver (the app serves the bytes)', async () => {
    const driver = new LocalStorageDriver({ root: dir });
    await driver.put('a/b', streamOf(pattern(5)), { contentType: 'text/plain' });
    expect(await driver.presignGet('a/b', options)).toBeNull();
  });

  it('is a fetchable expiring URL with response headers for S3', async () => {
    const driver = new S3StorageDriver({ ...server, forcePathStyle: true });
    try {
      const bytes = pattern(2048);
      await driver.put('docs/report', streamOf(bytes), { contentType: 'application/octet-stream' });
      const url = await driver.presignGet('docs/report', options);
      expect(url).toContain('X-Amz-Expires=300');
      expect(url).toContain('response-content-disposition=');
      expect(url).toContain('response-content-type=application%2Fpdf');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(response.headers.get('content-disposition')).toBe(options.contentDisposition);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      driver.destroy();
    }
  });
});
