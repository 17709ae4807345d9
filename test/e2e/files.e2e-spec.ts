import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { graphqlUpload, multipart } from '../support/multipart.js';
import { registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { jpegWithGps, pdf, tinyPng } from '../factories/hostile-files.js';

const FILE = 'id ownerId kind name mimeType size sha256 status width height hasThumbnails';

describe('files (local storage)', () => {
  let t: TestApp;
  let db: DataSource;
  let root: string;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-e2e-'));
    t = await bootApp({
      env: {
        FILES_LOCAL_ROOT: root,
        RATE_LIMIT_DEFAULT: '10000/1m',
        RATE_LIMIT_STRICT: '10000/1m',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '1',
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    alice = await registerUser(t);
    bob = await registerUser(t);
  });
  afterAll(async () => {
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  const upload = (token: string, data: Buffer, filename = 'x.bin', contentType?: string) => {
    const body = multipart([{ name: 'file', filename, contentType, data }]);
    return t.rest({ method: 'POST', url: '/api/v1/files', token, ...body });
  };

  it('uploads an attachment over REST and serves it back with ETag, 304 and ranges', async () => {
    const bytes = await pdf();
    const res = await upload(alice.accessToken, bytes, 'report.pdf', 'application/pdf');
    expect(res.statusCode, res.body).toBe(201);
    const file = res.json();
    expect(file).toMatchObject({
      kind: 'attachment',
      name: 'report.pdf',
      mimeType: 'application/pdf',
      size: bytes.length,
      status: 'ready',
      ownerId: alice.id,
    });

    const content = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
    });
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.equals(bytes)).toBe(true);
    expect(content.headers['content-type']).toBe('application/pdf');
    expect(content.headers['content-disposition']).toMatch(/^attachment; filename="report.pdf"/);
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    const etag = content.headers.etag as string;
    expect(etag).toBe(`"${file.sha256}"`);

    const cached = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { 'if-none-match': etag },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.rawPayload.length).toBe(0);

    const part = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { range: 'bytes=0-3' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-3/${bytes.length}`);
    expect(part.body).toBe('%PDF');

    const outside = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { range: `bytes=${bytes.length}-` },
    });
    expect(outside.statusCode).toBe(416);
    expect(outside.json().code).toBe('RANGE_NOT_SATISFIABLE');
    expect(outside.headers['content-range']).toBe(`bytes */${bytes.length}`);

    // last-pos below first-pos is unsatisfiable (RFC 9110 §14.1.1), not a reason to send it all.
    const reversed = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { range: 'bytes=5-2' },
    });
    expect(reversed.statusCode, reversed.body).toBe(416);
    expect(reversed.json().code).toBe('RANGE_NOT_SATISFIABLE');
    expect(reversed.headers['content-range']).toBe(`bytes */${bytes.length}`);

    // A header we cannot parse is ignored: the whole file.
    const malformed = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { range: 'bytes=a-b' },
    });
    expect(malformed.statusCode).toBe(200);
    expect(malformed.rawPayload.equals(bytes)).toBe(true);

    for (const url of [`/api/v1/files/${file.id}`, `/api/v1/files/${file.id}/content`]) {
      const other = await t.rest({ url, token: bob.accessToken });
      expect(other.statusCode, url).toBe(404);
      expect(other.json().code).toBe('NOT_FOUND');
    }
  });

  it('uploads an avatar over GraphQL, makes thumbnails, strips GPS and sets avatarFileId', async () => {
    const body = graphqlUpload(
      `mutation($file: Upload!) { uploadAvatar(file: $file) { ${FILE} } }`,
      {
        filename: 'me.jpg',
        contentType: 'image/jpeg',
        data: await jpegWithGps(),
      },
    );
    const res = await t.rest({
      method: 'POST',
      url: '/graphql',
      token: alice.accessToken,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().errors, res.body).toBeUndefined();
    const file = res.json().data.uploadAvatar;
    expect(file).toMatchObject({ kind: 'avatar', mimeType: 'image/jpeg', status: 'processing' });

    const ready = await eventually(async () => {
      const r = await t.gql(`{ file(id: "${file.id}") { ${FILE} url thumbnailUrl(size: 64) } }`, {
        token: alice.accessToken,
      });
      const f = r.json().data.file;
      expect(f.status).toBe('ready');
      return f;
    });
    expect(ready).toMatchObject({ width: 8, height: 8, hasThumbnails: true });
    const me = await t.rest({ url: '/api/v1/users/me', token: alice.accessToken });
    expect(me.json().avatarFileId).toBe(file.id);

    const original = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
    });
    expect(original.headers['content-disposition']).toMatch(/^inline;/);
    const meta = await sharp(original.rawPayload).metadata();
    expect(meta.exif).toBeUndefined();

    const thumb = await t.rest({
      url: `/api/v1/files/${file.id}/thumbnail?size=64`,
      token: alice.accessToken,
    });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');

    const link = new URL(ready.thumbnailUrl as string);
    const viaLink = await t.rest({ url: `${link.pathname}${link.search}` });
    expect(viaLink.statusCode).toBe(200);
    expect(viaLink.rawPayload.equals(thumb.rawPayload)).toBe(true);

    // The same sizes on both transports: 64 or 256, anything else is refused naming `size`.
    for (const size of [0, 100, 1024]) {
      const rest = await t.rest({
        url: `/api/v1/files/${file.id}/thumbnail?size=${size}`,
        token: alice.accessToken,
      });
      expect(rest.statusCode, rest.body).toBe(400);
      expect(rest.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ field: 'size' })],
      });
      const gql = await t.gql(`{ file(id: "${file.id}") { thumbnailUrl(size: ${size}) } }`, {
        token: alice.accessToken,
      });
      // A field resolver's error skips the exception filter; the formatter keeps its fields.
      const error = gql.json().errors?.[0];
      expect(error?.extensions?.code, gql.body).toBe('BAD_USER_INPUT');
      expect(error.extensions.errors).toEqual([expect.objectContaining({ field: 'size' })]);
      expect(error.path).toEqual(['file', 'thumbnailUrl']);
    }
  });

  it('signed links work without a token and refuse tampering', async () => {
    const res = await upload(alice.accessToken, await tinyPng(), 'pic.png', 'image/png');
    const id = res.json().id as string;
    const link = await t.rest({
      method: 'POST',
      url: `/api/v1/files/${id}/link`,
      token: alice.accessToken,
      payload: {},
    });
    expect(link.statusCode, link.body).toBe(201);
    const url = new URL(link.json().url as string);
    const ok = await t.rest({ url: `${url.pathname}${url.search}` });
    expect(ok.statusCode).toBe(200);
    url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
    const tampered = await t.rest({ url: `${url.pathname}${url.search}` });
    expect(tampered.statusCode).toBe(404);
  });

  it('deletes softly; the file disappears from lists and downloads', async () => {
    const res = await upload(alice.accessToken, await pdf(), 'gone.pdf');
    const id = res.json().id as string;
    expect(
      (await t.rest({ method: 'DELETE', url: `/api/v1/files/${id}`, token: bob.accessToken }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.rest({ method: 'DELETE', url: `/api/v1/files/${id}`, token: alice.accessToken }))
        .statusCode,
    ).toBe(204);
    expect(
      (await t.rest({ url: `/api/v1/files/${id}`, token: alice.accessToken })).statusCode,
    ).toBe(404);
    const rows = await db.query('SELECT deleted_at FROM files WHERE id = $1', [id]);
    expect(rows[0].deleted_at).not.toBeNull();
    const list = await t.rest({ url: '/api/v1/files', token: alice.accessToken });
    expect(list.json().items.map((f: { id: string }) => f.id)).not.toContain(id);
    expect((await readdir(root)).length).toBeGreaterThan(0);
  });
});
