import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../src/modules/auth/account.service.js';
import { FilesCleanupService } from '../../src/modules/files/files-cleanup.service.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { multipart } from '../support/multipart.js';
import { asciiText, multipartFrame } from '../support/upload-client.js';
import {
  deleteAccount,
  login,
  registerUser,
  uniqueEmail,
  type RegisteredUser,
} from '../factories/user.factory.js';
import { pdf, tinyJpeg, tinyPng } from '../factories/hostile-files.js';

const ADMIN_PASSWORD = 'the files admin passphrase';
const DAY_MS = 86_400_000;
const FILE = 'id ownerId kind name mimeType size status hasThumbnails';

interface FileJson {
  id: string;
  size: number;
  status: string;
  hasThumbnails: boolean;
}

interface GqlError {
  extensions: { code: string };
}

/** Every object key under the storage root (the temp directory excluded). */
async function objectKeys(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((key) => !key.startsWith('.tmp/'))
    .sort();
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('files lifecycle (local storage)', () => {
  let t: TestApp;
  let db: DataSource;
  let root: string;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let adminToken: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-lifecycle-'));
    const adminEmail = uniqueEmail('files-admin');
    t = await bootApp({
      env: {
        FILES_LOCAL_ROOT: root,
        RATE_LIMIT_DEFAULT: '10000/1m',
        RATE_LIMIT_STRICT: '10000/1m',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '1',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD,
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    alice = await registerUser(t);
    bob = await registerUser(t);
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(async () => {
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  const upload = (
    token: string,
    data: Buffer,
    filename = 'note.txt',
    contentType = 'text/plain',
    options: { url?: string; headers?: Record<string, string> } = {},
  ) => {
    const body = multipart([{ name: 'file', filename, contentType, data }]);
    return t.rest({
      method: 'POST',
      url: options.url ?? '/api/v1/files',
      token,
      payload: body.payload,
      headers: { ...body.headers, ...options.headers },
    });
  };

  const uploaded = async (token: string, data: Buffer, filename?: string, type?: string) => {
    const res = await upload(token, data, filename, type);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as FileJson;
  };

  const readyImage = async (token: string): Promise<FileJson> => {
    const file = await uploaded(token, await tinyPng(), 'pic.png', 'image/png');
    return eventually(async () => {
      const res = await t.rest({ url: `/api/v1/files/${file.id}`, token });
      const current = res.json() as FileJson;
      expect(current).toMatchObject({ status: 'ready', hasThumbnails: true });
      return current;
    });
  };

  const storageKeyOf = async (id: string): Promise<string> =>
    (
      (await db.query('SELECT storage_key FROM files WHERE id = $1', [id])) as [
        { storage_key: string },
      ]
    )[0].storage_key;

  const gqlErrorCode = (res: { json: () => { errors?: GqlError[] } }): string | undefined =>
    res.json().errors?.[0]?.extensions.code;

  describe('listing and usage', () => {
    it('pages through five uploads newest first over REST and GraphQL; usage adds up', async () => {
      const carol = await registerUser(t);
      const files: FileJson[] = [];
      for (let i = 0; i < 5; i++) {
        files.push(
          await uploaded(carol.accessToken, Buffer.from(`note ${i}\n`.repeat(i + 1)), `n${i}.txt`),
        );
      }
      const newestFirst = files.map((f) => f.id).reverse();

      const restIds: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await t.rest({
          url: `/api/v1/files?limit=2${query}`,
          token: carol.accessToken,
        });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json() as {
          items: FileJson[];
          nextCursor: string | null;
          totalCount: number;
        };
        expect(page.totalCount).toBe(5);
        expect(page.items.length).toBeLessThanOrEqual(2);
        restIds.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(restIds).toEqual(newestFirst);

      const gqlIds: string[] = [];
      cursor = null;
      pages = 0;
      do {
        const res = await t.gql(
          `query($cursor: String) { myFiles(page: { limit: 2, cursor: $cursor }) {
             items { id } nextCursor totalCount } }`,
          { token: carol.accessToken, variables: { cursor } },
        );
        expect(res.json().errors, res.body).toBeUndefined();
        const page = res.json().data.myFiles as {
          items: Array<{ id: string }>;
          nextCursor: string | null;
          totalCount: number;
        };
        expect(page.totalCount).toBe(5);
        gqlIds.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(gqlIds).toEqual(newestFirst);

      for (const garbage of ['garbage!!', Buffer.from('not-a-cursor').toString('base64url')]) {
        const bad = await t.rest({
          url: `/api/v1/files?limit=2&cursor=${garbage}`,
          token: carol.accessToken,
        });
        expect(bad.statusCode, garbage).toBe(400);
        expect(bad.json().code).toBe('VALIDATION_FAILED');
      }
      const badGql = await t.gql(`{ myFiles(page: { cursor: "garbage" }) { totalCount } }`, {
        token: carol.accessToken,
      });
      // GraphQL reports validation failures as BAD_USER_INPUT (the API's GraphQL convention).
      expect(gqlErrorCode(badGql)).toBe('BAD_USER_INPUT');

      const expected = {
        usedBytes: files.reduce((sum, f) => sum + f.size, 0),
        fileCount: 5,
        quotaBytes: 100 * 1024 * 1024,
      };
      const usage = await t.rest({ url: '/api/v1/files/usage', token: carol.accessToken });
      expect(usage.statusCode).toBe(200);
      expect(usage.json()).toEqual(expected);
      const gqlUsage = await t.gql('{ myStorageUsage { usedBytes fileCount quotaBytes } }', {
        token: carol.accessToken,
      });
      expect(gqlUsage.json().data.myStorageUsage).toEqual(expected);
    });
  });

  describe('permissions', () => {
    it("another user gets 404 for everything about someone else's file, which stays intact", async () => {
      const file = await readyImage(alice.accessToken);
      const before = await t.rest({
        url: `/api/v1/files/${file.id}/content`,
        token: alice.accessToken,
      });
      expect(before.statusCode).toBe(200);

      const attempts = [
        t.rest({ url: `/api/v1/files/${file.id}`, token: bob.accessToken }),
        t.rest({ url: `/api/v1/files/${file.id}/content`, token: bob.accessToken }),
        t.rest({ url: `/api/v1/files/${file.id}/thumbnail?size=64`, token: bob.accessToken }),
        t.rest({
          method: 'POST',
          url: `/api/v1/files/${file.id}/link`,
          token: bob.accessToken,
          payload: {},
        }),
        t.rest({ method: 'DELETE', url: `/api/v1/files/${file.id}`, token: bob.accessToken }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().code).toBe('NOT_FOUND');
      }
      const gql = [
        t.gql(`{ file(id: "${file.id}") { id } }`, { token: bob.accessToken }),
        t.gql(`mutation { deleteFile(id: "${file.id}") }`, { token: bob.accessToken }),
        t.gql(`mutation { fileLink(id: "${file.id}") { url } }`, { token: bob.accessToken }),
      ];
      for (const res of await Promise.all(gql))
        expect(gqlErrorCode(res), res.body).toBe('NOT_FOUND');

      const after = await t.rest({
        url: `/api/v1/files/${file.id}/content`,
        token: alice.accessToken,
      });
      expect(after.statusCode).toBe(200);
      expect(after.rawPayload.equals(before.rawPayload)).toBe(true);
      const rows = await db.query('SELECT deleted_at FROM files WHERE id = $1', [file.id]);
      expect(rows[0].deleted_at).toBeNull();
    });

    it("an admin reads another user's file and deletes it", async () => {
      const bytes = await pdf();
      const file = await uploaded(alice.accessToken, bytes, 'doc.pdf', 'application/pdf');
      const meta = await t.rest({ url: `/api/v1/files/${file.id}`, token: adminToken });
      expect(meta.statusCode, meta.body).toBe(200);
      expect(meta.json()).toMatchObject({ id: file.id, ownerId: alice.id });
      const gql = await t.gql(`{ file(id: "${file.id}") { ${FILE} } }`, { token: adminToken });
      expect(gql.json().data.file.ownerId).toBe(alice.id);
      const content = await t.rest({ url: `/api/v1/files/${file.id}/content`, token: adminToken });
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(bytes)).toBe(true);

      const deleted = await t.rest({
        method: 'DELETE',
        url: `/api/v1/files/${file.id}`,
        token: adminToken,
      });
      expect(deleted.statusCode, deleted.body).toBe(204);
      const mine = await t.rest({ url: `/api/v1/files/${file.id}`, token: alice.accessToken });
      expect(mine.statusCode).toBe(404);
    });

    it('a non-UUID id is a 400 naming it, never a 500', async () => {
      for (const url of [
        '/api/v1/files/nope',
        '/api/v1/files/nope/content',
        '/api/v1/files/1%27',
      ]) {
        const res = await t.rest({ url, token: alice.accessToken });
        expect(res.statusCode, url).toBe(400);
        expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'id' }] });
      }
      const del = await t.rest({ method: 'DELETE', url: '/api/v1/files/nope', token: adminToken });
      expect(del.statusCode).toBe(400);
      const gql = await t.gql('{ file(id: "nope") { id } }', { token: adminToken });
      expect(gqlErrorCode(gql)).toBe('BAD_USER_INPUT');
    });
  });

  describe('signed links', () => {
    const linkFor = async (id: string, payload: Record<string, unknown> = {}) => {
      const res = await t.rest({
        method: 'POST',
        url: `/api/v1/files/${id}/link`,
        token: alice.accessToken,
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { url: string; expiresAt: string };
    };
    const fetchLink = (url: URL) => t.rest({ url: `${url.pathname}${url.search}` });

    it('honours expiresInSeconds and refuses any change of variant, expiry or file id', async () => {
      const file = await uploaded(alice.accessToken, Buffer.from('link me\n'));
      const other = await uploaded(alice.accessToken, Buffer.from('other\n'));
      const requestedAt = Date.now();
      const link = await linkFor(file.id, { expiresInSeconds: 60 });
      const expiresAt = Date.parse(link.expiresAt);
      // The expiry is whole seconds: within a second (plus slack) of request time + 60 s.
      expect(Math.abs(expiresAt - (requestedAt + 60_000))).toBeLessThan(5_000);
      const url = new URL(link.url);
      expect(Number(url.searchParams.get('expires')) * 1000).toBe(expiresAt);
      const ok = await fetchLink(url);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toBe('link me\n');

      const variant = new URL(url);
      variant.searchParams.set('variant', 'thumb-64');
      const earlier = new URL(url);
      earlier.searchParams.set('expires', String(Number(url.searchParams.get('expires')) - 1));
      const otherId = new URL(url.toString().replace(file.id, other.id));
      for (const tampered of [variant, earlier, otherId]) {
        const res = await fetchLink(tampered);
        expect(res.statusCode, tampered.toString()).toBe(404);
        expect(res.json().code).toBe('NOT_FOUND');
      }

      for (const expiresInSeconds of [10, 604_801]) {
        const tooShort = await t.rest({
          method: 'POST',
          url: `/api/v1/files/${file.id}/link`,
          token: alice.accessToken,
          payload: { expiresInSeconds },
        });
        expect(tooShort.statusCode, String(expiresInSeconds)).toBe(400);
        expect(tooShort.json().code).toBe('VALIDATION_FAILED');
      }
    });

    it('a link stops working once its file is deleted; GraphQL fileLink works', async () => {
      const file = await uploaded(alice.accessToken, Buffer.from('short-lived\n'));
      const res = await t.gql(
        `mutation { fileLink(id: "${file.id}", input: { expiresInSeconds: 120 }) { url expiresAt } }`,
        { token: alice.accessToken },
      );
      expect(res.json().errors, res.body).toBeUndefined();
      const link = res.json().data.fileLink as { url: string; expiresAt: string };
      expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
      const url = new URL(link.url);
      expect((await fetchLink(url)).body).toBe('short-lived\n');

      const gqlTooShort = await t.gql(
        `mutation { fileLink(id: "${file.id}", input: { expiresInSeconds: 10 }) { url } }`,
        { token: alice.accessToken },
      );
      expect(gqlErrorCode(gqlTooShort)).toBe('BAD_USER_INPUT');

      const deleted = await t.rest({
        method: 'DELETE',
        url: `/api/v1/files/${file.id}`,
        token: alice.accessToken,
      });
      expect(deleted.statusCode).toBe(204);
      const gone = await fetchLink(url);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().code).toBe('NOT_FOUND');
    });
  });

  describe('avatars', () => {
    const avatarOf = async (user: RegisteredUser) =>
      (await t.rest({ url: '/api/v1/users/me', token: user.accessToken })).json().avatarFileId as
        string | null;

    it('an undecodable image fails processing: no thumbnails, avatar cleared', async () => {
      const user = await registerUser(t);
      const broken = Buffer.concat([(await tinyPng()).subarray(0, 60), randomBytes(200)]);
      const res = await upload(user.accessToken, broken, 'broken.png', 'image/png', {
        url: '/api/v1/users/me/avatar',
      });
      expect(res.statusCode, res.body).toBe(201);
      const file = res.json() as FileJson;
      expect(file).toMatchObject({ kind: 'avatar', status: 'processing' });

      const failed = await eventually(async () => {
        const current = (
          await t.rest({ url: `/api/v1/files/${file.id}`, token: user.accessToken })
        ).json() as FileJson;
        expect(current.status).toBe('failed');
        return current;
      });
      expect(failed.hasThumbnails).toBe(false);
      expect(await avatarOf(user)).toBeNull();
      const thumb = await t.rest({
        url: `/api/v1/files/${file.id}/thumbnail?size=64`,
        token: user.accessToken,
      });
      expect(thumb.statusCode).toBe(404);
    });

    it('a new avatar replaces the previous one, which is deleted', async () => {
      const user = await registerUser(t);
      const avatar = (data: Buffer, name: string, type: string) =>
        upload(user.accessToken, data, name, type, { url: '/api/v1/users/me/avatar' });
      const first = (await avatar(await tinyPng(), 'a.png', 'image/png')).json() as FileJson;
      await eventually(async () => {
        const res = await t.rest({ url: `/api/v1/files/${first.id}`, token: user.accessToken });
        expect(res.json().status).toBe('ready');
      });
      expect(await avatarOf(user)).toBe(first.id);

      const second = await avatar(await tinyJpeg(), 'b.jpg', 'image/jpeg');
      expect(second.statusCode, second.body).toBe(201);
      const secondId = (second.json() as FileJson).id;
      expect(await avatarOf(user)).toBe(secondId);
      const old = await t.rest({ url: `/api/v1/files/${first.id}`, token: user.accessToken });
      expect(old.statusCode).toBe(404);
      const oldContent = await t.rest({
        url: `/api/v1/files/${first.id}/content`,
        token: user.accessToken,
      });
      expect(oldContent.statusCode).toBe(404);
      const rows = await db.query('SELECT deleted_at FROM files WHERE id = $1', [first.id]);
      expect(rows[0].deleted_at).not.toBeNull();
    });
  });

  describe('account deletion', () => {
    it("keeps the files through the restore window, then deletes them with the account's data", async () => {
      const user = await registerUser(t);
      const a = await uploaded(user.accessToken, Buffer.from('one\n'));
      const b = await uploaded(user.accessToken, await tinyPng(), 'p.png', 'image/png');
      await deleteAccount(t, user);
      const live = async () =>
        (
          (await db.query('SELECT id FROM files WHERE owner_id = $1 AND deleted_at IS NULL', [
            user.id,
          ])) as Array<{ id: string }>
        ).length;
      // Still restorable: nothing of the account's files is gone.
      expect(await live()).toBe(2);
      expect((await t.app.get(AccountService).anonymiseExpired()).includes(user.id)).toBe(false);
      expect(await live()).toBe(2);

      await db.query("UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = $1", [
        user.id,
      ]);
      expect(await t.app.get(AccountService).anonymiseExpired()).toContain(user.id);
      await eventually(async () => expect(await live()).toBe(0));
      for (const id of [a.id, b.id]) {
        const content = await t.rest({ url: `/api/v1/files/${id}/content`, token: adminToken });
        expect(content.statusCode).toBe(404);
      }
    });
  });

  describe('audit and metrics', () => {
    it('records file.uploaded and file.deleted with the request id and counts uploads', async () => {
      const uploadRequest = `files-up-${randomUUID()}`;
      const deleteRequest = `files-del-${randomUUID()}`;
      const res = await upload(alice.accessToken, Buffer.from('audited\n'), 'a.txt', 'text/plain', {
        headers: { 'x-request-id': uploadRequest },
      });
      expect(res.statusCode).toBe(201);
      const id = (res.json() as FileJson).id;
      const del = await t.rest({
        method: 'DELETE',
        url: `/api/v1/files/${id}`,
        token: alice.accessToken,
        headers: { 'x-request-id': deleteRequest },
      });
      expect(del.statusCode).toBe(204);

      await eventually(async () => {
        const rows: Array<Record<string, unknown>> = await db.query(
          `SELECT action, entity_type, entity_id, actor_id, request_id FROM audit_log
           WHERE entity_id = $1 ORDER BY occurred_at, id`,
          [id],
        );
        expect(rows).toEqual([
          {
            action: 'file.uploaded',
            entity_type: 'file',
            entity_id: id,
            actor_id: alice.id,
            request_id: uploadRequest,
          },
          {
            action: 'file.deleted',
            entity_type: 'file',
            entity_id: id,
            actor_id: alice.id,
            request_id: deleteRequest,
          },
        ]);
      });

      const metrics = await t.rest({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      const match = /^files_uploaded_total\{kind="attachment"\} (\d+)$/m.exec(metrics.body);
      expect(match, 'files_uploaded_total{kind="attachment"}').not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(1);
    });
  });

  describe('an upload cancelled mid-stream', () => {
    it('leaves no row, no object and no temporary file', async () => {
      const user = await registerUser(t);
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const before = await objectKeys(root);
      const tmp = join(root, '.tmp');

      const frame = multipartFrame('cancelled.txt', 'text/plain');
      const declared = frame.head.length + 3 * 1024 * 1024 + frame.tail.length;
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.on('error', () => {
        // The server may reset the connection it was reading from; that is the point.
      });
      const write = (chunk: Buffer | string) =>
        new Promise<void>((resolve, reject) =>
          socket.write(chunk, (error) => (error ? reject(error) : resolve())),
        );
      await write(
        `POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
          `Authorization: Bearer ${user.accessToken}\r\nContent-Type: ${frame.contentType}\r\n` +
          `Content-Length: ${declared}\r\n\r\n`,
      );
      await write(frame.head);
      for await (const chunk of asciiText(1024 * 1024)) await write(chunk);

      // The server is streaming the body into a temporary file when the client goes away.
      await eventually(async () => {
        expect((await readdir(tmp).catch(() => [])).length).toBeGreaterThan(0);
      });
      socket.destroy();

      await eventually(async () => {
        expect(await readdir(tmp)).toEqual([]);
        const rows = await db.query('SELECT count(*)::int AS n FROM files WHERE owner_id = $1', [
          user.id,
        ]);
        expect(rows[0].n).toBe(0);
        expect(await objectKeys(root)).toEqual(before);
      });
    });
  });

  describe('the cleanup job', () => {
    it('purges deleted files after the retention, removes old orphans and stale temp files', async () => {
      const cleanup = t.app.get(FilesCleanupService);
      const user = await registerUser(t);
      const live = await uploaded(user.accessToken, Buffer.from('keep me\n'));
      const doomed = await readyImage(user.accessToken);
      const liveKey = await storageKeyOf(live.id);
      const doomedKey = await storageKeyOf(doomed.id);
      const doomedPaths = [
        doomedKey,
        `${doomedKey}.thumb-64.webp`,
        `${doomedKey}.thumb-256.webp`,
      ].map((key) => join(root, key));
      for (const path of doomedPaths) expect(await exists(path), path).toBe(true);
      const del = await t.rest({
        method: 'DELETE',
        url: `/api/v1/files/${doomed.id}`,
        token: user.accessToken,
      });
      expect(del.statusCode).toBe(204);

      const old = new Date('2020-01-15T00:00:00Z');
      const oldOrphan = join(root, 'attachments/2020/01', randomUUID());
      const freshOrphan = join(root, 'attachments/2020/01', randomUUID());
      const staleTemp = join(root, '.tmp', randomUUID());
      const freshTemp = join(root, '.tmp', randomUUID());
      for (const path of [oldOrphan, freshOrphan, staleTemp, freshTemp]) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, 'leftover');
      }
      await utimes(oldOrphan, old, old);
      await utimes(staleTemp, old, old);

      // Today: nothing is due for purging; only the old orphan and the stale temp file go.
      const today = await cleanup.run(new Date());
      expect(today.orphans).toBeGreaterThanOrEqual(1);
      expect(today.tempFiles).toBeGreaterThanOrEqual(1);
      expect(await exists(oldOrphan)).toBe(false);
      expect(await exists(staleTemp)).toBe(false);
      expect(await exists(freshOrphan)).toBe(true);
      expect(await exists(freshTemp)).toBe(true);
      for (const path of doomedPaths) expect(await exists(path), path).toBe(true);
      const notYet = await db.query('SELECT purged_at FROM files WHERE id = $1', [doomed.id]);
      expect(notYet[0].purged_at).toBeNull();

      // Eight days on: the deleted file's object and thumbnails are purged; the live one stays.
      const later = await cleanup.run(new Date(Date.now() + 8 * DAY_MS));
      expect(later.purged).toBeGreaterThanOrEqual(1);
      for (const path of doomedPaths) expect(await exists(path), path).toBe(false);
      const purged = await db.query('SELECT purged_at FROM files WHERE id = $1', [doomed.id]);
      expect(purged[0].purged_at).not.toBeNull();
      expect(await exists(join(root, liveKey))).toBe(true);
      const content = await t.rest({
        url: `/api/v1/files/${live.id}/content`,
        token: user.accessToken,
      });
      expect(content.body).toBe('keep me\n');
      await rm(freshTemp, { force: true });
    });
  });
});
