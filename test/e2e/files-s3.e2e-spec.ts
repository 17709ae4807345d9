import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { FILE_FIELDS, sha256, uploadVia } from '../support/files-assertions.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';
import { registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { exeAsPng, jpegWithGps, pdf } from '../factories/hostile-files.js';

describe('files (S3 storage via s3rver)', () => {
  let s3: TestS3Server;
  let client: S3Client;
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    s3 = await startS3Server();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    t = await bootApp({
      env: {
        FILES_DRIVER: 's3',
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        RATE_LIMIT_DEFAULT: '10000/1m',
        RATE_LIMIT_STRICT: '10000/1m',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '1',
        RESILIENCE_BREAKER_FAILURES: '2',
        RESILIENCE_BREAKER_HALF_OPEN_MS: '300',
        HEALTH_CHECK_TIMEOUT_MS: '500',
      },
    });
    alice = await registerUser(t);
  });
  afterAll(async () => {
    await t?.close();
    client?.destroy();
    await s3?.stop();
  });

  const bucketKeys = async (): Promise<string[]> => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
  };

  /**
   * Checks a presigned URL points at s3rver and fetches it with no bearer token. s3rver does not
   * verify SigV4 signatures or expiry, so this proves the URL's shape and target, not its
   * security; our own HMAC links for local storage are tested in files.e2e-spec.ts.
   */
  const fetchPresigned = async (url: string): Promise<Buffer> => {
    const parsed = new URL(url);
    expect(parsed.origin).toBe(s3.endpoint);
    expect(url).toContain('X-Amz-Expires=');
    expect(url).toContain('X-Amz-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('uploads over REST, serves content with ETag/304/Range and a presigned link', async () => {
    const bytes = await pdf();
    const before = await bucketKeys();
    const res = await uploadVia(t, 'rest', 'attachment', alice.accessToken, {
      data: bytes,
      filename: 'report.pdf',
      contentType: 'application/pdf',
    });
    expect(res.statusCode, res.raw.body).toBe(201);
    const file = res.file;
    if (!file) throw new Error('no file');
    expect(file).toMatchObject({
      kind: 'attachment',
      name: 'report.pdf',
      mimeType: 'application/pdf',
      size: bytes.length,
      sha256: sha256(bytes),
      status: 'ready',
    });
    const after = await bucketKeys();
    expect(after.filter((key) => !before.includes(key))).toHaveLength(1);

    const meta = await t.rest({ url: `/api/v1/files/${file.id}`, token: alice.accessToken });
    expect(meta.statusCode).toBe(200);
    expect(meta.json()).toMatchObject({ id: file.id, sha256: file.sha256 });

    const content = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
    });
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.equals(bytes)).toBe(true);
    const etag = content.headers.etag as string;
    expect(etag).toBe(`"${file.sha256}"`);

    const cached = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { 'if-none-match': etag },
    });
    expect(cached.statusCode).toBe(304);

    const part = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: alice.accessToken,
      headers: { range: 'bytes=0-3' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-3/${bytes.length}`);
    expect(part.body).toBe('%PDF');

    const link = await t.rest({
      method: 'POST',
      url: `/api/v1/files/${file.id}/link`,
      token: alice.accessToken,
      payload: {},
    });
    expect(link.statusCode, link.body).toBe(201);
    const url = link.json().url as string;
    expect(url).toContain('response-content-disposition=');
    expect((await fetchPresigned(url)).equals(bytes)).toBe(true);
  });

  it('processes a GraphQL avatar: WebP thumbnails behind presigned URLs, no EXIF left', async () => {
    const res = await uploadVia(t, 'graphql', 'avatar', alice.accessToken, {
      data: await jpegWithGps(),
      filename: 'me.jpg',
      contentType: 'image/jpeg',
    });
    expect(res.code, res.raw.body).toBeUndefined();
    const id = res.file?.id;
    const ready = await eventually(async () => {
      const r = await t.gql(`{ file(id: "${id}") { ${FILE_FIELDS} hasThumbnails thumbnailUrl } }`, {
        token: alice.accessToken,
      });
      const f = r.json().data.file;
      expect(f.status).toBe('ready');
      return f as { hasThumbnails: boolean; thumbnailUrl: string };
    });
    expect(ready.hasThumbnails).toBe(true);
    const thumb = await fetchPresigned(ready.thumbnailUrl);
    expect((await sharp(thumb).metadata()).format).toBe('webp');

    const original = await t.rest({ url: `/api/v1/files/${id}/content`, token: alice.accessToken });
    expect(original.statusCode).toBe(200);
    const meta = await sharp(original.rawPayload).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
  });

  it('refuses a hostile file with 415 and leaves no object in the bucket', async () => {
    const before = await bucketKeys();
    const res = await uploadVia(t, 'rest', 'attachment', alice.accessToken, {
      data: await exeAsPng(),
      filename: 'cat.png',
      contentType: 'image/png',
    });
    expect(res.statusCode, res.raw.body).toBe(415);
    expect(res.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await bucketKeys()).toEqual(before);
  });

  it('deletes: 204, then 404 for metadata and content', async () => {
    const res = await uploadVia(t, 'rest', 'attachment', alice.accessToken, {
      data: await pdf(),
      filename: 'gone.pdf',
    });
    const id = res.file?.id;
    const del = await t.rest({
      method: 'DELETE',
      url: `/api/v1/files/${id}`,
      token: alice.accessToken,
    });
    expect(del.statusCode).toBe(204);
    for (const url of [`/api/v1/files/${id}`, `/api/v1/files/${id}/content`]) {
      const gone = await t.rest({ url, token: alice.accessToken });
      expect(gone.statusCode, url).toBe(404);
      expect(gone.json().code).toBe('NOT_FOUND');
    }
  });

  it('S3 down: 503 at once while the breaker is open; hostile uploads never trip it; recovers', async () => {
    const admin = await t.tokenFor({ roles: ['admin'] });
    const s3State = async () =>
      (await t.rest({ url: '/health/details', token: admin })).json().dependencies.s3 as string;
    const text = () => ({
      data: Buffer.from('notes\n'),
      filename: 'n.txt',
      contentType: 'text/plain',
    });

    // Refused content is the client's fault, not the storage's: the breaker stays closed.
    for (let i = 0; i < 3; i++) {
      const hostile = await uploadVia(t, 'rest', 'attachment', alice.accessToken, {
        data: await exeAsPng(),
        filename: 'cat.png',
        contentType: 'image/png',
      });
      expect(hostile.statusCode).toBe(415);
    }
    expect(await s3State()).toBe('closed');

    await s3.suspend();
    for (let i = 0; i < 2; i++) {
      const res = await uploadVia(t, 'rest', 'attachment', alice.accessToken, text());
      expect(res.statusCode, res.raw.body).toBe(503);
      expect(res.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.raw.headers['retry-after']).toBeDefined();
    }
    expect(await s3State()).toBe('open');
    const fast = await uploadVia(t, 'graphql', 'attachment', alice.accessToken, text());
    expect(fast.raw.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    const metrics = (await t.rest({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^circuit_breaker_state\{dependency="s3"\} 2$/m);
    expect(metrics).toMatch(/^dependency_rejections_total\{dependency="s3",reason="open"\} [1-9]/m);
    const ready = await t.rest({ url: '/ready' });
    expect(ready.statusCode).toBe(503);

    await s3.resume();
    await eventually(async () => {
      const res = await uploadVia(t, 'rest', 'attachment', alice.accessToken, text());
      expect(res.statusCode, res.raw.body).toBe(201);
    });
    expect(await s3State()).toBe('closed');
    expect((await t.rest({ url: '/ready' })).statusCode).toBe(200);
  });
});
