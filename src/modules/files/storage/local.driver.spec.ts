import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorageDriver } from './local.driver.js';
import { StorageNotFoundError } from './storage.driver.js';

describe('LocalStorageDriver', () => {
  let dir: string;
  let root: string;
  let driver: LocalStorageDriver;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-local-'));
    root = join(dir, 'root');
    driver = new LocalStorageDriver({ root });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const put = (key: string, text: string) =>
    driver.put(key, Readable.from([Buffer.from(text)]), { contentType: 'text/plain' });

  it('creates the root lazily and writes files readable only by owner and group', async () => {
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
    await put('a/b/c', 'hello');
    expect((await stat(join(root, 'a/b/c'))).mode & 0o777).toBe(0o640);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('treats directories as absent objects', async () => {
    await put('a/b', 'x');
    expect(await driver.stat('a')).toBeUndefined();
    await expect(driver.get('a')).rejects.toBeInstanceOf(StorageNotFoundError);
    // A key below an existing object's file is absent, not an ENOTDIR error.
    expect(await driver.stat('a/b/c')).toBeUndefined();
    await expect(driver.get('a/b/c')).rejects.toBeInstanceOf(StorageNotFoundError);
    await driver.delete('a/b/c');
  });

  it('does not list temp files', async () => {
    await put('k', 'x');
    await writeFile(join(root, '.tmp', 'stale'), 'partial');
    expect(await collectKeys(driver)).toEqual(['k']);
  });

  it('cleans temp files older than the bound', async () => {
    expect(await driver.cleanTemp(1000)).toBe(0);
    await mkdir(join(root, '.tmp'), { recursive: true });
    const old = join(root, '.tmp', 'old');
    await writeFile(old, 'partial');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    await writeFile(join(root, '.tmp', 'fresh'), 'in progress');
    expect(await driver.cleanTemp(60_000)).toBe(1);
    expect(await readdir(join(root, '.tmp'))).toEqual(['fresh']);
  });

  it('pings, and rejects when the root cannot be created', async () => {
    await driver.ping();
    expect((await stat(root)).isDirectory()).toBe(true);
    await writeFile(join(dir, 'file'), '');
    const broken = new LocalStorageDriver({ root: join(dir, 'file', 'root') });
    await expect(broken.ping()).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

async function collectKeys(driver: LocalStorageDriver): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of driver.list('')) keys.push(object.key);
  return keys;
}
