import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { DataSource } from 'typeorm';
import { ERROR_CODES, type ErrorCode } from '../../src/core/errors/error-codes.js';
import type { TestApp } from './app.js';
import { graphqlUpload, multipart } from './multipart.js';

export type Transport = 'rest' | 'graphql';
export type UploadKind = 'attachment' | 'avatar';

export interface UploadSample {
  data: Buffer;
  filename: string;
  contentType?: string;
}

/** What both transports answered, in one shape. */
export interface UploadOutcome {
  statusCode: number;
  /** REST problem `code`, or GraphQL `errors[0].extensions.code`. */
  code?: string;
  /** REST problem `errors`, or GraphQL `errors[0].extensions.errors`. */
  fieldErrors?: Array<{ field: string; message: string }>;
  file?: UploadedFile;
  raw: LightMyRequestResponse;
}

export interface UploadedFile {
  id: string;
  ownerId: string;
  kind: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
  status: string;
}

export const FILE_FIELDS = 'id ownerId kind name mimeType size sha256 status';

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The code a transport reports for an application error code. */
export const codeFor = (transport: Transport, code: ErrorCode): string =>
  transport === 'rest' ? code : ERROR_CODES[code].graphqlCode;

/** Uploads one sample as `kind` over REST (/files or /users/me/avatar) or GraphQL multipart. */
export async function uploadVia(
  t: TestApp,
  transport: Transport,
  kind: UploadKind,
  token: string,
  sample: UploadSample,
): Promise<UploadOutcome> {
  if (transport === 'rest') {
    const url = kind === 'avatar' ? '/api/v1/users/me/avatar' : '/api/v1/files';
    const raw = await t.rest({
      method: 'POST',
      url,
      token,
      ...multipart([{ name: 'file', ...sample }]),
    });
    const body = raw.json();
    return raw.statusCode === 201
      ? { statusCode: raw.statusCode, file: body as UploadedFile, raw }
      : { statusCode: raw.statusCode, code: body.code, fieldErrors: body.errors, raw };
  }
  const field = kind === 'avatar' ? 'uploadAvatar' : 'uploadFile';
  const raw = await t.rest({
    method: 'POST',
    url: '/graphql',
    token,
    ...graphqlUpload(
      `mutation($file: Upload!) { ${field}(file: $file) { ${FILE_FIELDS} } }`,
      sample,
    ),
  });
  return graphqlOutcome(raw, field);
}

/** Reads a GraphQL answer whose single root field is `field`. */
export function graphqlOutcome(raw: LightMyRequestResponse, field: string): UploadOutcome {
  const body = raw.json() as {
    data?: Record<string, UploadedFile | null> | null;
    errors?: Array<{
      extensions?: { code?: string; errors?: Array<{ field: string; message: string }> };
    }>;
  };
  const error = body.errors?.[0];
  return {
    statusCode: raw.statusCode,
    code: error?.extensions?.code,
    fieldErrors: error?.extensions?.errors,
    file: body.data?.[field] ?? undefined,
    raw,
  };
}

/** Every regular file under `root` (temp directory included), as paths relative to it. */
export async function filesUnder(root: string): Promise<Set<string>> {
  const found = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else found.add(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return found;
}

/** All `files` rows of a user, deleted ones included. */
export async function rowCount(db: DataSource, ownerId: string): Promise<number> {
  const rows: Array<{ n: number }> = await db.query(
    'SELECT count(*)::int AS n FROM files WHERE owner_id = $1',
    [ownerId],
  );
  return rows[0].n;
}

/** The sum of `files_rejected_total` over all reasons for one upload kind. */
export async function rejectedTotal(t: TestApp, kind: UploadKind): Promise<number> {
  const res = await t.rest({ url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('files_rejected_total{') || !line.includes(`kind="${kind}"`)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface StoredState {
  rows: number;
  objects: Set<string>;
}

/** The user's rows and the objects under the local storage root, to compare before/after. */
export async function storedState(
  db: DataSource,
  root: string,
  ownerId: string,
): Promise<StoredState> {
  return { rows: await rowCount(db, ownerId), objects: await filesUnder(root) };
}
