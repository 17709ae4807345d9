import { getDataSourceToken } from '@nestjs/typeorm';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors/error-codes.js';
import { bootApp, type TestApp } from '../support/app.js';
import {
  codeFor,
  FILE_FIELDS,
  filesUnder,
  graphqlOutcome,
  rejectedTotal,
  rowCount,
  sha256,
  storedState,
  type Transport,
  type UploadKind,
  type UploadOutcome,
  type UploadSample,
  uploadVia,
} from '../support/files-assertions.js';
import { graphqlUpload, multipart } from '../support/multipart.js';
import { registerUser, type RegisteredUser } from '../factories/user.factory.js';
import {
  csvFile,
  docx,
  elf,
  emptyFile,
  ESCAPED_PDF_ACTIONS,
  exeAsPng,
  htmlPage,
  machO,
  oversize,
  pdf,
  pdfWithEscapedNames,
  pdfWithHarmlessEscapes,
  pdfWithJavascript,
  phpInJpegComment,
  polyglotJpegZip,
  shebangScript,
  svgWithScript,
  textFile,
  tinyGif,
  tinyJpeg,
  tinyPng,
  tinyWebp,
  xlsx,
  zipBomb,
  zipBombLyingHeaders,
  zipOf,
} from '../factories/hostile-files.js';

const MiB = 1024 * 1024;
const AVATAR_MAX = 5 * MiB;
const ATTACHMENT_MAX = 10 * MiB;
const TRANSPORTS: readonly Transport[] = ['rest', 'graphql'];

const RELAXED = {
  RATE_LIMIT_DEFAULT: '10000/1m',
  RATE_LIMIT_STRICT: '10000/1m',
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_ITERATIONS: '1',
};

/** Each sample is built once per file (the big ones take a while) and shared by every case. */
const memo = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
};

const samples = {
  zipBomb: memo(zipBomb),
  zipBombLying: memo(zipBombLyingHeaders),
  avatarPlusOne: memo(() => oversize(AVATAR_MAX)),
  attachmentPlusOne: memo(() => oversize(ATTACHMENT_MAX)),
  /** oversize(n) is n + 1 bytes, so oversize(max - 1) is exactly max. */
  avatarExactly: memo(() => oversize(AVATAR_MAX - 1)),
};

interface HostileCase {
  name: string;
  kinds: readonly UploadKind[];
  sample: () => Promise<UploadSample>;
  status: number;
  code: ErrorCode;
}

const sampleOf =
  (make: () => Promise<Buffer>, filename: string, contentType?: string) =>
  async (): Promise<UploadSample> => ({ data: await make(), filename, contentType });

const BOTH: readonly UploadKind[] = ['attachment', 'avatar'];

const HOSTILE: readonly HostileCase[] = [
  {
    name: 'a Windows EXE renamed to .png, declared image/png',
    kinds: BOTH,
    sample: sampleOf(exeAsPng, 'cat.png', 'image/png'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an ELF binary',
    kinds: BOTH,
    sample: sampleOf(elf, 'tool', 'application/octet-stream'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a Mach-O binary',
    kinds: BOTH,
    sample: sampleOf(machO, 'tool.dylib', 'application/octet-stream'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a shebang script named .txt',
    kinds: ['attachment'],
    sample: sampleOf(shebangScript, 'notes.txt', 'text/plain'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'PHP in a JPEG comment',
    kinds: BOTH,
    sample: sampleOf(phpInJpegComment, 'photo.jpg', 'image/jpeg'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an SVG with a script',
    kinds: BOTH,
    sample: sampleOf(svgWithScript, 'logo.svg', 'image/svg+xml'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an HTML page named .txt',
    kinds: ['attachment'],
    sample: sampleOf(htmlPage, 'readme.txt', 'text/plain'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a JPEG+ZIP polyglot',
    kinds: BOTH,
    sample: sampleOf(polyglotJpegZip, 'holiday.jpg', 'image/jpeg'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    // Zip-structure refusals are VALIDATION_FAILED by design (zip-inspector.ts uses `invalid`).
    name: 'a zip bomb (200 MB of zeros, honest headers)',
    kinds: ['attachment'],
    sample: sampleOf(samples.zipBomb, 'bomb.zip', 'application/zip'),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a zip bomb whose headers claim 1 KB',
    kinds: ['attachment'],
    sample: sampleOf(samples.zipBombLying, 'small.zip', 'application/zip'),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a PDF with JavaScript',
    kinds: ['attachment'],
    sample: sampleOf(pdfWithJavascript, 'invoice.pdf', 'application/pdf'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  ...Object.keys(ESCAPED_PDF_ACTIONS).map((variant) => ({
    name: `a PDF with JavaScript or Launch hidden in name escapes (${variant})`,
    kinds: ['attachment'] as const,
    sample: sampleOf(
      pdfWithEscapedNames(variant as keyof typeof ESCAPED_PDF_ACTIONS),
      'invoice.pdf',
      'application/pdf',
    ),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE' as const,
  })),
  {
    name: 'a PDF as avatar',
    kinds: ['avatar'],
    sample: sampleOf(pdf, 'me.pdf', 'application/pdf'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an avatar one byte over 5 MiB',
    kinds: ['avatar'],
    sample: sampleOf(samples.avatarPlusOne, 'big.png', 'image/png'),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'an attachment one byte over 10 MiB',
    kinds: ['attachment'],
    sample: sampleOf(samples.attachmentPlusOne, 'big.png', 'image/png'),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'an empty file',
    kinds: BOTH,
    sample: sampleOf(emptyFile, 'empty.txt', 'text/plain'),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
];

const HOSTILE_ROWS = HOSTILE.flatMap((c) =>
  c.kinds.flatMap((kind) => TRANSPORTS.map((transport) => ({ ...c, kind, transport }))),
);

interface AcceptedCase {
  kind: UploadKind;
  note?: string;
  sample: () => Promise<UploadSample>;
  mimeType: string;
}

const ACCEPTED: readonly AcceptedCase[] = [
  { kind: 'avatar', sample: sampleOf(tinyPng, 'a.png', 'image/png'), mimeType: 'image/png' },
  { kind: 'avatar', sample: sampleOf(tinyJpeg, 'a.jpg', 'image/jpeg'), mimeType: 'image/jpeg' },
  { kind: 'avatar', sample: sampleOf(tinyGif, 'a.gif', 'image/gif'), mimeType: 'image/gif' },
  { kind: 'avatar', sample: sampleOf(tinyWebp, 'a.webp', 'image/webp'), mimeType: 'image/webp' },
  {
    kind: 'avatar',
    sample: sampleOf(samples.avatarExactly, 'exactly-5mib.png', 'image/png'),
    mimeType: 'image/png',
  },
  {
    kind: 'attachment',
    sample: sampleOf(pdf, 'doc.pdf', 'application/pdf'),
    mimeType: 'application/pdf',
  },
  {
    kind: 'attachment',
    note: 'with #xx escapes of harmless names',
    sample: sampleOf(pdfWithHarmlessEscapes, 'escaped.pdf', 'application/pdf'),
    mimeType: 'application/pdf',
  },
  {
    kind: 'attachment',
    sample: sampleOf(textFile, 'notes.txt', 'text/plain'),
    mimeType: 'text/plain',
  },
  { kind: 'attachment', sample: sampleOf(csvFile, 'data.csv', 'text/csv'), mimeType: 'text/csv' },
  {
    kind: 'attachment',
    sample: sampleOf(docx, 'letter.docx', 'application/octet-stream'),
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  },
  {
    kind: 'attachment',
    sample: sampleOf(xlsx, 'sheet.xlsx', 'application/octet-stream'),
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
  {
    kind: 'attachment',
    sample: sampleOf(() => zipOf([{ name: 'notes.txt', data: 'hello zip' }]), 'a.zip'),
    mimeType: 'application/zip',
  },
];

const ACCEPTED_ROWS = ACCEPTED.flatMap((c) =>
  TRANSPORTS.map((transport) => ({
    ...c,
    transport,
    label: `${c.mimeType} ${c.kind}${c.note ? ` ${c.note}` : ''}`,
  })),
);

describe('files: hostile uploads (local storage)', () => {
  let t: TestApp;
  let db: DataSource;
  let root: string;
  let user: RegisteredUser;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-hostile-'));
    t = await bootApp({ env: { ...RELAXED, FILES_LOCAL_ROOT: root } });
    db = t.app.get<DataSource>(getDataSourceToken());
    user = await registerUser(t);
  });
  afterAll(async () => {
    await t?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Runs `act` and checks it left no row, no object (temp files included) behind. */
  async function expectNothingStored(act: () => Promise<void>): Promise<void> {
    const before = await storedState(db, root, user.id);
    await act();
    const after = await storedState(db, root, user.id);
    expect(after.rows).toBe(before.rows);
    expect([...after.objects].filter((key) => !before.objects.has(key))).toEqual([]);
    expect([...before.objects].filter((key) => !after.objects.has(key))).toEqual([]);
  }

  describe.each(HOSTILE_ROWS)('$name as $kind over $transport', (c) => {
    it(`is refused with ${c.status} ${c.code} and leaves nothing behind`, async () => {
      const sample = await c.sample();
      const rejectedBefore = await rejectedTotal(t, c.kind);
      let res: UploadOutcome | undefined;
      await expectNothingStored(async () => {
        res = await uploadVia(t, c.transport, c.kind, user.accessToken, sample);
      });
      if (!res) throw new Error('no answer');
      expect(res.file, res.raw.body).toBeUndefined();
      expect(res.code, res.raw.body).toBe(codeFor(c.transport, c.code));
      expect(res.statusCode, res.raw.body).toBe(c.transport === 'rest' ? c.status : 200);
      expect(res.fieldErrors?.map((e) => e.field)).toEqual(['file']);
      expect(await rejectedTotal(t, c.kind)).toBe(rejectedBefore + 1);
    });
  });

  describe('malformed requests', () => {
    it.each(['/api/v1/files', '/api/v1/users/me/avatar'])(
      'a JSON body to %s is 415 UNSUPPORTED_MEDIA_TYPE',
      async (url) => {
        await expectNothingStored(async () => {
          const res = await t.rest({
            method: 'POST',
            url,
            token: user.accessToken,
            payload: { file: 'aGVsbG8=' },
          });
          expect(res.statusCode, res.body).toBe(415);
          expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
        });
      },
    );

    it.each(['/api/v1/files', '/api/v1/users/me/avatar'])(
      'multipart without a "file" part to %s is 400 on field file',
      async (url) => {
        await expectNothingStored(async () => {
          const res = await t.rest({
            method: 'POST',
            url,
            token: user.accessToken,
            ...multipart([
              { name: 'note', value: 'no file here' },
              {
                name: 'attachment',
                filename: 'a.txt',
                contentType: 'text/plain',
                data: Buffer.from('hi'),
              },
            ]),
          });
          expect(res.statusCode, res.body).toBe(400);
          expect(res.json()).toMatchObject({
            code: 'VALIDATION_FAILED',
            errors: [expect.objectContaining({ field: 'file' })],
          });
        });
      },
    );

    it.each([
      ['the query string', '/api/v1/files?kind=avatar', []],
      ['a form field', '/api/v1/files', [{ name: 'kind', value: 'avatar' }]],
    ] as const)('kind=avatar on /files in %s is 400 on field kind', async (_where, url, fields) => {
      const png = await tinyPng();
      await expectNothingStored(async () => {
        const res = await t.rest({
          method: 'POST',
          url,
          token: user.accessToken,
          ...multipart([
            ...fields,
            { name: 'file', filename: 'a.png', contentType: 'image/png', data: png },
          ]),
        });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [expect.objectContaining({ field: 'kind' })],
        });
      });
    });

    it('uploadFile(kind: "avatar") over GraphQL is BAD_USER_INPUT', async () => {
      const png = await tinyPng();
      await expectNothingStored(async () => {
        const raw = await t.rest({
          method: 'POST',
          url: '/graphql',
          token: user.accessToken,
          ...graphqlUpload(
            `mutation($file: Upload!) { uploadFile(file: $file, kind: "avatar") { ${FILE_FIELDS} } }`,
            { filename: 'a.png', contentType: 'image/png', data: png },
          ),
        });
        const res = graphqlOutcome(raw, 'uploadFile');
        expect(res.file).toBeUndefined();
        expect(res.code, raw.body).toBe('BAD_USER_INPUT');
        expect(res.fieldErrors?.map((e) => e.field)).toEqual(['kind']);
      });
    });
  });

  describe('filenames', () => {
    it.each(TRANSPORTS)(
      'a path-traversal name keeps only the basename and writes inside the root (%s)',
      async (transport) => {
        const data = Buffer.from('root:x:0:0:root:/root:/bin/sh\n');
        const res = await uploadVia(t, transport, 'attachment', user.accessToken, {
          data,
          filename: '../../etc/passwd',
          contentType: 'text/plain',
        });
        expect(res.file, res.raw.body).toBeDefined();
        if (transport === 'rest') expect(res.statusCode).toBe(201);
        // filename.ts always adds the sniffed type's extension when the name has none.
        expect(res.file?.name).toBe('passwd.txt');
        const rows: Array<{ storage_key: string }> = await db.query(
          'SELECT storage_key FROM files WHERE id = $1',
          [res.file?.id],
        );
        // The storage key never contains anything from the client; the object is under the root.
        expect(rows[0].storage_key).toMatch(/^attachments\/\d{4}\/\d{2}\/[0-9a-f-]{36}$/);
        expect(await filesUnder(root)).toContain(rows[0].storage_key);
        expect(existsSync(join(root, '..', '..', 'etc', 'passwd.txt'))).toBe(false);
      },
    );

    it.each(TRANSPORTS)('a unicode name is kept as sent (%s)', async (transport) => {
      const name = 'résumé 报告 😀.pdf';
      const res = await uploadVia(t, transport, 'attachment', user.accessToken, {
        data: await pdf(),
        filename: name,
        contentType: 'application/pdf',
      });
      expect(res.file?.name, res.raw.body).toBe(name);
      const content = await t.rest({
        url: `/api/v1/files/${res.file?.id}/content`,
        token: user.accessToken,
      });
      expect(content.headers['content-disposition']).toContain(
        `filename*=UTF-8''${encodeURIComponent(name)}`,
      );
    });

    it.each(TRANSPORTS)(
      'a 1000-character name is capped at 255 bytes and keeps .pdf (%s)',
      async (transport) => {
        const res = await uploadVia(t, transport, 'attachment', user.accessToken, {
          data: await pdf(),
          filename: `${'報'.repeat(996)}.pdf`,
          contentType: 'application/pdf',
        });
        const name = res.file?.name ?? '';
        expect(name, res.raw.body).toMatch(/^報+\.pdf$/);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
        expect(Buffer.byteLength(name)).toBeGreaterThan(250);
      },
    );

    it.each(TRANSPORTS)(
      'C1 controls and bidi overrides/isolates are removed from the name (%s)',
      async (transport) => {
        const res = await uploadVia(t, transport, 'attachment', user.accessToken, {
          data: await pdf(),
          filename: 'in\u0085voice\u202Efdp.\u009Bexe\u2066.pdf',
          contentType: 'application/pdf',
        });
        expect(res.file?.name, res.raw.body).toBe('invoicefdp.exe.pdf');
      },
    );

    it.each(['rest', 'graphql'] as const)(
      'raw C0 control characters in the %s part header are removed from the name',
      async (transport) => {
        const res = await uploadVia(t, transport, 'attachment', user.accessToken, {
          data: await pdf(),
          filename: 'in\u0007voice\u0001.pdf',
          contentType: 'application/pdf',
        });
        expect(res.code, res.raw.body).toBeUndefined();
        expect(res.file?.name).toBe('invoice.pdf');
      },
    );

    // Malformed multipart must be a client error and never an unhandled 'error' event (an earlier
    // GraphQL multipart parser crashed the process on a second parser error).
    it('a malformed GraphQL multipart body is BAD_USER_INPUT and the app keeps serving', async () => {
      const boundary = 'xxBOUNDARYxx';
      const payload = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n` +
          `{"query":"mutation($file: Upload!) { uploadFile(file: $file) { id } }","variables":{"file":null}}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello`,
      );
      await expectNothingStored(async () => {
        const res = await t.rest({
          method: 'POST',
          url: '/graphql',
          token: user.accessToken,
          payload,
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'graphql-preflight': '1',
          },
        });
        // The body ends inside the file part: the resolver's read fails, a GraphQL error (200).
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      });
      const alive = await t.rest({ url: '/api/v1/files', token: user.accessToken });
      expect(alive.statusCode).toBe(200);
    });

    it('a GraphQL multipart map cannot reach __proto__ (no prototype pollution)', async () => {
      const body = multipart([
        {
          name: 'operations',
          value: JSON.stringify({
            query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }',
            variables: { file: null },
          }),
        },
        { name: 'map', value: JSON.stringify({ 0: ['variables.__proto__.polluted'] }) },
        { name: '0', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('hi\n') },
      ]);
      const res = await t.rest({
        method: 'POST',
        url: '/graphql',
        token: user.accessToken,
        payload: body.payload,
        headers: { ...body.headers, 'graphql-preflight': '1' },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe.each(ACCEPTED_ROWS)('$label over $transport', (c) => {
    it('is accepted with the sniffed type and the sha256 of the bytes sent', async () => {
      const sample = await c.sample();
      const rowsBefore = await rowCount(db, user.id);
      const res = await uploadVia(t, c.transport, c.kind, user.accessToken, sample);
      expect(res.code, res.raw.body).toBeUndefined();
      expect(res.statusCode).toBe(c.transport === 'rest' ? 201 : 200);
      expect(res.file).toMatchObject({
        kind: c.kind,
        ownerId: user.id,
        mimeType: c.mimeType,
        size: sample.data.length,
        sha256: sha256(sample.data),
      });
      expect(await rowCount(db, user.id)).toBe(rowsBefore + 1);
    });
  });
});

describe('files: concurrent uploads and the quota', () => {
  const FILE_SIZE = 1000;
  const FITTING = 3;
  const ATTEMPTS = 8;
  let t: TestApp;
  let db: DataSource;
  let root: string;
  const owners: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-quota-'));
    t = await bootApp({
      env: {
        ...RELAXED,
        FILES_LOCAL_ROOT: root,
        // Room for FITTING files of FILE_SIZE bytes and half of another one.
        FILES_USER_QUOTA_BYTES: String(FILE_SIZE * FITTING + FILE_SIZE / 2),
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    await t?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const textOf = (size: number, seed: number): Buffer =>
    Buffer.from(`${seed}:`.padEnd(size, 'abcdefghij'), 'utf8');

  const restUpload = (token: string, data: Buffer, filename: string) =>
    t.rest({
      method: 'POST',
      url: '/api/v1/files',
      token,
      ...multipart([{ name: 'file', filename, contentType: 'text/plain', data }]),
    });

  /** Every object under the root belongs to a row, and every row's object exists. */
  async function expectNoOrphans(): Promise<void> {
    // The worker database is shared with the other describe; its objects live in another root.
    const rows: Array<{ storage_key: string }> = await db.query(
      'SELECT storage_key FROM files WHERE owner_id = ANY($1::uuid[])',
      [owners],
    );
    const objects = await filesUnder(root);
    expect([...objects].sort()).toEqual(rows.map((r) => r.storage_key).sort());
  }

  it('10 concurrent uploads by one user all succeed with distinct ids', async () => {
    const user = await registerUser(t);
    owners.push(user.id);
    const size = 100;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        restUpload(user.accessToken, textOf(size, i), `${i}.txt`),
      ),
    );
    for (const res of results) expect(res.statusCode, res.body).toBe(201);
    const ids = results.map((res) => res.json().id as string);
    expect(new Set(ids).size).toBe(10);
    expect(await rowCount(db, user.id)).toBe(10);
    await expectNoOrphans();
  });

  it(`with room for ${FITTING} files, exactly ${FITTING} of ${ATTEMPTS} concurrent uploads succeed`, async () => {
    const user = await registerUser(t);
    owners.push(user.id);
    const results = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        restUpload(user.accessToken, textOf(FILE_SIZE, i), `${i}.txt`),
      ),
    );
    const statuses = results.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([
      ...Array<number>(FITTING).fill(201),
      ...Array<number>(ATTEMPTS - FITTING).fill(413),
    ]);
    for (const res of results.filter((r) => r.statusCode === 413)) {
      expect(res.json().code).toBe('QUOTA_EXCEEDED');
    }
    const sums: Array<{ used: string; n: number }> = await db.query(
      'SELECT COALESCE(sum(size), 0)::text AS used, count(*)::int AS n FROM files WHERE owner_id = $1',
      [user.id],
    );
    expect(sums[0].n).toBe(FITTING);
    expect(Number(sums[0].used)).toBeLessThanOrEqual(FILE_SIZE * FITTING + FILE_SIZE / 2);
    await expectNoOrphans();

    const usage = await t.rest({ url: '/api/v1/files/usage', token: user.accessToken });
    expect(usage.json()).toMatchObject({ usedBytes: FILE_SIZE * FITTING, fileCount: FITTING });
  });
});
