import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Type } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource, type MigrationInterface } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { FAST_AUTH, type RegisteredUser, registerUser } from '../factories/user.factory.js';

/**
 * The README's "Add your own module" walkthrough, built as a reader would: every file block of
 * the section is written out, type-checked with the project's compiler settings, mounted next
 * to the real app and driven over REST and GraphQL. A README edit that breaks it fails here.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.data/readme-module');
const FILE_BLOCK = /<!-- file: ([\w./-]+\.ts) -->\s*```ts\n([\s\S]*?)```/g;

async function writeWalkthrough(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Add your own module');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const files = [...section.matchAll(FILE_BLOCK)].map(([, path, text]) => ({ path, text }));
  await rm(OUT, { recursive: true, force: true });
  for (const { path, text } of files) {
    await mkdir(dirname(join(OUT, path)), { recursive: true });
    await writeFile(join(OUT, path), text);
  }
  // The module imports the real core and config, exactly as it would inside src/.
  for (const shared of ['src/core', 'src/config'])
    await symlink(join(ROOT, shared), join(OUT, shared));
  await writeFile(
    join(OUT, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, incremental: false, rootDir: '../..' },
      // The real src too: its global augmentations (e.g. the request's `user`) apply as in src/.
      include: [...files.map((f) => f.path), '../../src'],
      exclude: ['../../src/**/*.spec.ts'],
    }),
  );
  return files.map((f) => f.path);
}

describe('README walkthrough: add your own module', () => {
  let paths: string[];
  let t: TestApp;
  let db: DataSource;
  let migration: MigrationInterface;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    paths = await writeWalkthrough();
    const load = async <T>(suffix: string): Promise<T> => {
      const path = paths.find((p) => p.endsWith(suffix));
      if (!path) throw new Error(`The walkthrough has no ${suffix}`);
      return (await import(join(OUT, path))) as T;
    };
    const { BookmarksModule } = await load<{ BookmarksModule: Type }>('bookmarks.module.ts');
    const migrationModule =
      await load<Record<string, new () => MigrationInterface>>('-bookmarks.ts');
    migration = new (Object.values(migrationModule)[0])();
    t = await bootApp({ env: FAST_AUTH, extraModules: [BookmarksModule] });
    db = t.app.get<DataSource>(getDataSourceToken());
    await db.query('DROP TABLE IF EXISTS bookmarks');
    const runner = db.createQueryRunner();
    await migration.up(runner);
    await runner.release();
    [alice, bob] = await Promise.all([registerUser(t), registerUser(t)]);
  });

  afterAll(async () => {
    // The app first, then the migration's down on a connection of its own: dropping bookmarks
    // takes an ACCESS EXCLUSIVE lock on users (its foreign key), which waits for every open
    // transaction of a live app that read users and queues the app's other queries behind it.
    const url = db ? (db.options as { url?: string }).url : undefined;
    await t?.close();
    if (!url) return;
    const own = await new DataSource({ type: 'postgres', url }).initialize();
    try {
      const runner = own.createQueryRunner();
      await migration.down(runner);
      await runner.release();
    } finally {
      await own.destroy();
    }
  });

  const count = async (ownerId: string): Promise<number> =>
    Number(
      (await db.query('SELECT count(*) AS n FROM bookmarks WHERE owner_id = $1', [ownerId]))[0].n,
    );

  it('names every file of the module shape', () => {
    const names = paths.map((p) => p.split('/').pop());
    expect(names).toEqual(
      expect.arrayContaining([
        'bookmark.entity.ts',
        'bookmarks.repository.ts',
        'bookmarks.service.ts',
        'bookmarks.controller.ts',
        'bookmarks.resolver.ts',
        'bookmarks.listener.ts',
        'bookmarks.module.ts',
        'bookmarks.service.spec.ts',
      ]),
    );
  });

  it('type-checks with the project compiler settings', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const run = promisify(execFile)(process.execPath, [tsc, '-p', join(OUT, 'tsconfig.json')], {
      cwd: ROOT,
    });
    await expect(
      run.then(
        () => 'clean',
        (e: { stdout: string }) => e.stdout,
      ),
    ).resolves.toBe('clean');
  }, 120_000);

  it('creates, lists and deletes over REST', async () => {
    const created = await t.rest({
      method: 'POST',
      url: '/api/v1/bookmarks',
      token: alice.accessToken,
      payload: { url: 'https://docs.nestjs.com', title: 'NestJS docs' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const list = await t.rest({ url: '/api/v1/bookmarks?limit=10', token: alice.accessToken });
    expect(list.json()).toMatchObject({ totalCount: 1, items: [{ id, title: 'NestJS docs' }] });
    const gone = await t.rest({
      method: 'DELETE',
      url: `/api/v1/bookmarks/${id}`,
      token: alice.accessToken,
    });
    expect(gone.statusCode).toBe(204);
    expect(await count(alice.id)).toBe(0);
  });

  it('is the same feature over GraphQL', async () => {
    const created = await t.gql(
      'mutation($input: CreateBookmarkInput!) { createBookmark(input: $input) { id url } }',
      {
        token: bob.accessToken,
        variables: { input: { url: 'https://graphql.org', title: 'GraphQL' } },
      },
    );
    const id = created.json().data.createBookmark.id;
    const list = await t.gql('{ myBookmarks(page: { limit: 5 }) { totalCount items { id } } }', {
      token: bob.accessToken,
    });
    expect(list.json().data.myBookmarks).toEqual({ totalCount: 1, items: [{ id }] });
    const deleted = await t.gql('mutation($id: ID!) { deleteBookmark(id: $id) }', {
      token: bob.accessToken,
      variables: { id },
    });
    expect(deleted.json().data).toEqual({ deleteBookmark: true });
  });

  it('answers 400 / BAD_USER_INPUT for bad input and writes nothing', async () => {
    const rest = await t.rest({
      method: 'POST',
      url: '/api/v1/bookmarks',
      token: alice.accessToken,
      payload: { url: 'javascript:alert(1)', title: '' },
    });
    expect(rest.statusCode).toBe(400);
    expect(rest.json().code).toBe('VALIDATION_FAILED');
    expect(
      rest
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['title', 'url']);
    const gql = await t.gql(
      'mutation { createBookmark(input: { url: "ftp://x", title: "t" }) { id } }',
      {
        token: alice.accessToken,
      },
    );
    expect(gql.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const badId = await t.rest({
      method: 'DELETE',
      url: '/api/v1/bookmarks/not-a-uuid',
      token: alice.accessToken,
    });
    expect(badId.statusCode).toBe(400);
    const badCursor = await t.rest({
      url: '/api/v1/bookmarks?cursor=abc',
      token: alice.accessToken,
    });
    expect(badCursor.statusCode).toBe(400);
    expect(await count(alice.id)).toBe(0);
  });

  it("answers 404 for another user's bookmark and keeps it", async () => {
    const created = await t.rest({
      method: 'POST',
      url: '/api/v1/bookmarks',
      token: bob.accessToken,
      payload: { url: 'https://example.com', title: 'mine' },
    });
    const theft = await t.rest({
      method: 'DELETE',
      url: `/api/v1/bookmarks/${created.json().id}`,
      token: alice.accessToken,
    });
    expect(theft.statusCode).toBe(404);
    expect(await count(bob.id)).toBe(1);
  });

  it('requires authentication', async () => {
    expect((await t.rest({ url: '/api/v1/bookmarks' })).statusCode).toBe(401);
    const gql = await t.gql('{ myBookmarks { totalCount } }');
    expect(gql.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
