import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors/error-codes.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import {
  codeFor,
  filesUnder,
  rowCount,
  storedState,
  type Transport,
} from '../support/files-assertions.js';
import { baseKeyOf } from '../../src/modules/files/file-keys.js';
import {
  asciiText,
  fileContent,
  getHead,
  graphqlFrame,
  multipartFrame,
  RawHttpConnection,
  type RawResponse,
  streamUpload,
  type UploadFrame,
  writeUpload,
} from '../support/upload-client.js';
import { FAST_AUTH, registerUser, type RegisteredUser } from '../factories/user.factory.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Room for QUOTA bytes per user; the "full" user has used all of it. */
const QUOTA = 8 * MiB;
/** Small enough to be read to its end after a refusal: the connection stays usable. */
const SMALL = 256 * KiB;
/** Too much to read after a refusal: the answer says Connection: close and the socket closes. */
const LARGE = 6 * MiB;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const SCRIPT = Buffer.from('<script>alert(1)</script>');
type ScriptAt = { at: number; bytes: Buffer };

interface Target {
  name: string;
  transport: Transport;
  kind: 'attachment' | 'avatar';
  path: string;
  frame(filename: string, contentType: string): UploadFrame;
}

const TARGETS: readonly Target[] = [
  {
    name: 'POST /api/v1/files',
    transport: 'rest',
    kind: 'attachment',
    path: '/api/v1/files',
    frame: multipartFrame,
  },
  {
    name: 'POST /api/v1/users/me/avatar',
    transport: 'rest',
    kind: 'avatar',
    path: '/api/v1/users/me/avatar',
    frame: multipartFrame,
  },
  {
    name: 'GraphQL uploadFile',
    transport: 'graphql',
    kind: 'attachment',
    path: '/graphql',
    frame: (filename, type) => graphqlFrame('uploadFile', filename, type),
  },
  {
    name: 'GraphQL uploadAvatar',
    transport: 'graphql',
    kind: 'avatar',
    path: '/graphql',
    frame: (filename, type) => graphqlFrame('uploadAvatar', filename, type),
  },
];

/** A file the target would accept (a PNG for avatars, text for attachments). */
const acceptable = (target: Target) =>
  target.kind === 'avatar'
    ? { filename: 'me.png', contentType: 'image/png', head: PNG_SIGNATURE }
    : { filename: 'notes.txt', contentType: 'text/plain', head: undefined };

/** An acceptable file of `size` bytes, for refusals that come before the body is read. */
const acceptableOfSize = (target: Target, size: number) => {
  const file = acceptable(target);
  return { ...file, body: fileContent(size, { head: file.head }) };
};

interface Refusal {
  name: string;
  code: ErrorCode;
  status: number;
  /** Whose token is sent: none, a fresh user or the one whose quota is used up. */
  caller: 'anonymous' | 'user' | 'full';
  file(
    target: Target,
    size: number,
  ): {
    filename: string;
    contentType: string;
    body: AsyncIterable<Buffer>;
  };
}

const REFUSALS: readonly Refusal[] = [
  {
    name: 'unauthenticated (refused before the body is read)',
    code: 'UNAUTHENTICATED',
    status: 401,
    caller: 'anonymous',
    file: acceptableOfSize,
  },
  {
    name: 'over quota (refused before the body is read)',
    code: 'QUOTA_EXCEEDED',
    status: 413,
    caller: 'full',
    file: acceptableOfSize,
  },
  {
    name: 'the wrong kind of content (refused at its first bytes)',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    caller: 'user',
    // Text is no avatar; an attachment that opens with a script tag is active markup.
    file: (target, size) =>
      target.kind === 'avatar'
        ? { filename: 'me.txt', contentType: 'text/plain', body: fileContent(size) }
        : {
            filename: 'a.txt',
            contentType: 'text/plain',
            body: fileContent(size, { head: SCRIPT }),
          },
  },
  {
    name: 'content refused mid-stream (a script deep inside)',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    caller: 'user',
    file: (target, size) => {
      const file = acceptable(target);
      const at = size === SMALL ? 64 * KiB : 1 * MiB;
      return {
        ...file,
        body: fileContent(size, { head: file.head, insert: { at, bytes: SCRIPT } }),
      };
    },
  },
];

/** The answer's error code, REST problem or GraphQL `errors[0].extensions.code`. */
function errorCode(response: RawResponse): string | undefined {
  const body = JSON.parse(response.body) as {
    code?: string;
    errors?: Array<{ extensions?: { code?: string } }>;
  };
  return body.code ?? body.errors?.[0]?.extensions?.code;
}

describe('files: the connection after a refused or interrupted upload (real sockets)', () => {
  let t: TestApp;
  let db: DataSource;
  let root: string;
  let base: string;
  let user: RegisteredUser;
  let full: RegisteredUser;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-connections-'));
    t = await bootApp({
      env: { ...FAST_AUTH, FILES_LOCAL_ROOT: root, FILES_USER_QUOTA_BYTES: String(QUOTA) },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    user = await registerUser(t);
    full = await registerUser(t);
    const filled = await streamUpload({
      base,
      token: full.accessToken,
      filename: 'quota.txt',
      contentType: 'text/plain',
      size: QUOTA,
      body: asciiText(QUOTA),
    });
    expect(filled.status, filled.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const tokenOf = (caller: Refusal['caller']): string | undefined =>
    caller === 'anonymous' ? undefined : (caller === 'full' ? full : user).accessToken;

  /** A request on a fresh connection is answered at once. */
  async function expectNewConnectionServed(): Promise<void> {
    const fresh = await RawHttpConnection.open(base);
    try {
      await fresh.write(getHead('/health'));
      expect((await fresh.response()).status).toBe(200);
    } finally {
      fresh.destroy();
    }
  }

  /** Runs `act` and checks it left no row and no object, temp files included. */
  async function expectNothingStored(ownerId: string, act: () => Promise<void>): Promise<void> {
    const before = await storedState(db, root, ownerId);
    await act();
    await eventually(async () => {
      const after = await storedState(db, root, ownerId);
      expect(after.rows).toBe(before.rows);
      expect([...after.objects].sort()).toEqual([...before.objects].sort());
    });
  }

  function expectRefusal(target: Target, refusal: Refusal, response: RawResponse): void {
    expect(errorCode(response), response.body).toBe(codeFor(target.transport, refusal.code));
    expect(response.status).toBe(target.transport === 'rest' ? refusal.status : 200);
  }

  describe.each(TARGETS)('$name', (target) => {
    describe.each(REFUSALS)('$name', (refusal) => {
      it(`${SMALL / KiB} KiB: the rest is read, the same connection serves the next request`, async () => {
        const owner = refusal.caller === 'full' ? full : user;
        await expectNothingStored(owner.id, async () => {
          const connection = await RawHttpConnection.open(base);
          try {
            const file = refusal.file(target, SMALL);
            const sent = await writeUpload(connection, {
              path: target.path,
              frame: target.frame(file.filename, file.contentType),
              token: tokenOf(refusal.caller),
              size: SMALL,
              body: file.body,
            });
            expect(sent).toBe('sent');
            const response = await connection.response();
            expectRefusal(target, refusal, response);
            expect(response.headers.connection).not.toBe('close');

            await connection.write(getHead('/health'));
            const next = await connection.response();
            expect(next.status, next.body).toBe(200);
            expect(connection.isClosed).toBe(false);
          } finally {
            connection.destroy();
          }
        });
      });

      it(`${LARGE / MiB} MiB: answered with Connection: close, the socket closes, a new one works`, async () => {
        const owner = refusal.caller === 'full' ? full : user;
        await expectNothingStored(owner.id, async () => {
          const connection = await RawHttpConnection.open(base);
          try {
            const file = refusal.file(target, LARGE);
            const sending = writeUpload(connection, {
              path: target.path,
              frame: target.frame(file.filename, file.contentType),
              token: tokenOf(refusal.caller),
              size: LARGE,
              body: file.body,
            });
            const response = await connection.response();
            expectRefusal(target, refusal, response);
            expect(response.headers.connection).toBe('close');
            await connection.closed;
            await sending;
          } finally {
            connection.destroy();
          }
          await expectNewConnectionServed();
        });
      });
    });

    it('declared larger than any upload may be: 413 before the body is read, then closed', async () => {
      await expectNothingStored(user.id, async () => {
        const connection = await RawHttpConnection.open(base);
        try {
          const file = acceptable(target);
          // Only the head and 64 KiB of a declared gigabyte are ever sent.
          const sending = writeUpload(connection, {
            path: target.path,
            frame: target.frame(file.filename, file.contentType),
            token: user.accessToken,
            size: 64 * KiB,
            body: fileContent(64 * KiB, { head: file.head }),
            declaredLength: 1024 * MiB,
          });
          const response = await connection.response();
          expect(errorCode(response), response.body).toBe(
            codeFor(target.transport, 'PAYLOAD_TOO_LARGE'),
          );
          expect(response.status).toBe(413);
          expect(response.headers.connection).toBe('close');
          await connection.closed;
          await sending;
        } finally {
          connection.destroy();
        }
        await expectNewConnectionServed();
      });
    });
  });

  describe('interrupted uploads leave no temp file', () => {
    const tempFiles = async (): Promise<string[]> =>
      readdir(join(root, '.tmp')).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });

    /** Objects under the root (temp files aside) that belong to no row. */
    async function orphans(): Promise<string[]> {
      const rows: Array<{ storage_key: string }> = await db.query('SELECT storage_key FROM files');
      const keys = new Set(rows.map((row) => row.storage_key));
      return [...(await filesUnder(root))].filter(
        (key) => !key.startsWith('.tmp/') && !keys.has(baseKeyOf(key)),
      );
    }

    const FILE_BYTES = 4 * MiB;
    const ABORTS: ReadonlyArray<{ name: string; stopAfter?: number; garbage?: boolean }> = [
      { name: 'after the part head', stopAfter: 0 },
      { name: 'after 64 KiB', stopAfter: 64 * KiB },
      { name: 'after 1 MiB', stopAfter: 1 * MiB },
      { name: 'after 3 MiB', stopAfter: 3 * MiB },
      { name: 'after the whole file, before the closing boundary', stopAfter: FILE_BYTES },
      { name: 'right after the whole body' },
      // The server answers the stray bytes with 400 and closes while the body is still queued.
      { name: 'after the whole body and stray bytes', garbage: true },
    ];

    it.each(TARGETS)('$name: aborted at seven points, refused mid-stream twice', async (target) => {
      const owner = await registerUser(t);
      expect(await tempFiles()).toEqual([]);
      for (const abort of ABORTS) {
        const connection = await RawHttpConnection.open(base);
        const file = acceptable(target);
        const sent = await writeUpload(connection, {
          path: target.path,
          frame: target.frame(file.filename, file.contentType),
          token: owner.accessToken,
          size: FILE_BYTES,
          body: fileContent(FILE_BYTES, { head: file.head }),
          stopAfter: abort.stopAfter,
        });
        expect(sent, abort.name).toBe(abort.stopAfter === undefined ? 'sent' : 'stopped');
        if (abort.garbage) await connection.write(`NOT HTTP\r\n${'x'.repeat(64 * KiB)}`);
        connection.destroy();
      }
      // Refused while streaming: by content (a script after 1 MiB) and by size (the avatar
      // limit, or the attachment quota), for a user with all of the quota left.
      const refused = await registerUser(t);
      const refusedBy: Array<{ code: ErrorCode; size: number; insert?: ScriptAt }> = [
        { code: 'UNSUPPORTED_MEDIA_TYPE', size: 2 * MiB, insert: { at: 1 * MiB, bytes: SCRIPT } },
        target.kind === 'avatar'
          ? { code: 'PAYLOAD_TOO_LARGE', size: 5 * MiB + 64 * KiB }
          : { code: 'QUOTA_EXCEEDED', size: QUOTA + 64 * KiB },
      ];
      for (const { code, size, insert } of refusedBy) {
        const connection = await RawHttpConnection.open(base);
        const file = acceptable(target);
        const sending = writeUpload(connection, {
          path: target.path,
          frame: target.frame(file.filename, file.contentType),
          token: refused.accessToken,
          size,
          body: fileContent(size, { head: file.head, insert }),
        });
        const response = await connection.response();
        expect(errorCode(response), response.body).toBe(codeFor(target.transport, code));
        await sending;
        connection.destroy();
      }
      expect(await rowCount(db, refused.id)).toBe(0);
      await eventually(async () => expect(await tempFiles()).toEqual([]));
      // An upload whose whole body arrived may still be finishing on the server (object stored,
      // row not yet inserted): an orphan is one that stays.
      await eventually(async () => expect(await orphans()).toEqual([]));
      await expectNewConnectionServed();
    });
  });
});
