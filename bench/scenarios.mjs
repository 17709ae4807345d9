/**
 * The scenarios of bench/run.mjs: the API a client uses, each with its raw twin in
 * bench/raw-server.mjs (same SQL, same JWT check, same JSON). docs/performance.md, "The whole
 * API (issue 14)", lists what each one does on both sides.
 *
 * A scenario:
 *   id, title          for BENCH_SCENARIOS, the JSON and the tables
 *   kind               what targets and floors apply: health | rest-read | graphql-read |
 *                      graphql | write | login | upload | mixed
 *   needsDatabaseUrl   skipped (with a note) on the embedded database
 *   connections        overrides BENCH_CONNECTIONS for the measured rounds (uploads: 10)
 *   p99Duration        at least these seconds in the p99 pass (slow answers: login, upload)
 *   setup(ctx)         once, after both servers are ready; returns what to merge into ctx
 *                      (`{ skip: reason }` skips the scenario, e.g. a field the app lacks).
 *                      ctx: { appUrl, rawUrl, databaseUrl, appEnv, pg (a pg.Pool), cache }
 *   app, raw           a request { method, path, headers?, body?, check? }, an array of them
 *                      (a cycle each connection walks through: the mixed scenario), or a
 *                      function of ctx returning either
 *   expect             { status, json? } checked once on both servers before any load
 *   check(body, ctx)   a problem string (or undefined) for the parsed answer; a request's own
 *                      `check` wins (mixed)
 *   sameShape          the app's and the raw answer must have the same keys, recursively
 */
/* global fetch, AbortSignal -- Node >= 20 globals, not in the repo's eslint globals */
import { createHash } from 'node:crypto';

export const USER_AGENT = 'nest-starter-bench';
export const PASSWORD = 'a long benchmark passphrase';
export const UPLOAD_BYTES = 100 * 1024;

const SEEDED_FILES = 50;
const SEEDED_AUDIT = 100;
const SEEDED_USERS = 100;

// --- setup helpers ---------------------------------------------------------------------------

/** Runs `make` once per key per run (the reader user is shared by all read scenarios). */
function once(ctx, key, make) {
  if (!ctx.cache.has(key)) ctx.cache.set(key, make());
  return ctx.cache.get(key);
}

async function call(ctx, method, path, { token, json } = {}) {
  const response = await fetch(ctx.appUrl + path, {
    method,
    headers: {
      'user-agent': USER_AGENT,
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: json !== undefined ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Registers a fresh user through the app; `{ id, email, token }`. */
async function register(ctx, label) {
  const email = `bench-${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const { status, body } = await call(ctx, 'POST', '/api/v1/auth/register', {
    json: { email, password: PASSWORD },
  });
  if (status !== 201) throw new Error(`setup: register answered ${status} ${JSON.stringify(body)}`);
  return { id: body.user.id, email, token: body.accessToken };
}

async function login(ctx, email) {
  const { status, body } = await call(ctx, 'POST', '/api/v1/auth/login', {
    json: { email, password: PASSWORD },
  });
  if (status !== 200) throw new Error(`setup: login answered ${status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

/** Live files of `ownerId`, one a minute back in time (rows only: list reads never open them). */
async function seedFiles(pool, ownerId, n) {
  await pool.query(
    `INSERT INTO files (id, owner_id, kind, status, storage_driver, storage_key, name, mime_type,
                        size, sha256, created_at, updated_at)
     SELECT id, $1, 'attachment', 'ready', 'local', 'bench/' || id, 'bench-' || i || '.txt',
            'text/plain', 1000 + i, md5(i::text) || md5(id::text),
            now() - i * interval '1 minute', now() - i * interval '1 minute'
     FROM (SELECT gen_random_uuid() AS id, i FROM generate_series(1, $2) i) s`,
    [ownerId, n],
  );
}

/** Audit entries with `actorId` as actor (what GET /audit-logs/me lists). */
async function seedAudit(pool, actorId, n) {
  await pool.query(
    `INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, entity_type, entity_id,
                            new_values, ip, user_agent, status, description)
     SELECT now() - i * interval '1 minute', $1::uuid, 'user', 'bench.seeded', 'user', $1::uuid::text,
            jsonb_build_object('i', i), '127.0.0.1', $3, 'success', 'Seeded by the benchmark'
     FROM generate_series(1, $2) i`,
    [actorId, n, USER_AGENT],
  );
}

/** Verified users with the `user` role and no usable password (for the admin list). */
async function seedUsers(pool, n) {
  await pool.query(
    `WITH created AS (
       INSERT INTO users (email, password_hash, email_verified_at, first_name, last_name,
                          created_at, updated_at)
       SELECT 'seed-' || i || '-' || md5(random()::text) || '@bench.example', '!', now(),
              'Seed', 'User ' || i, now() - i * interval '1 minute', now()
       FROM generate_series(1, $1) i
       RETURNING id)
     INSERT INTO user_roles (user_id, role_id)
     SELECT created.id, roles.id FROM created, roles WHERE roles.name = 'user'`,
    [n],
  );
}

/** The user every read scenario reads as: 50 files and 100 audit entries of its own. */
const reader = (ctx) =>
  once(ctx, 'reader', async () => {
    const user = await register(ctx, 'reader');
    await seedFiles(ctx.pg, user.id, SEEDED_FILES);
    await seedAudit(ctx.pg, user.id, SEEDED_AUDIT);
    return user;
  });

/** An admin (role granted with SQL, then signed in again for a token carrying it); 100 users. */
const admin = (ctx) =>
  once(ctx, 'admin', async () => {
    const user = await register(ctx, 'admin');
    await ctx.pg.query(
      `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'admin'
       ON CONFLICT DO NOTHING`,
      [user.id],
    );
    await seedUsers(ctx.pg, SEEDED_USERS);
    return { ...user, token: await login(ctx, user.email) };
  });

/** A multipart body with one 100 KiB text/plain part named `file` (the app's field). */
export function uploadBody() {
  const line = 'The quick brown fox jumps over the lazy dog, benchmark upload line.\n';
  const data = Buffer.from(
    line.repeat(Math.ceil(UPLOAD_BYTES / line.length)).slice(0, UPLOAD_BYTES),
  );
  const boundary = '----nest-starter-bench-7f3a9c';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.txt"\r\n` +
        'Content-Type: text/plain\r\n\r\n',
    ),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

// --- requests --------------------------------------------------------------------------------

const bearer = (token, extra = {}) => ({
  authorization: `Bearer ${token}`,
  'user-agent': USER_AGENT,
  ...extra,
});
const get = (path, token, check) => ({ method: 'GET', path, headers: bearer(token), check });
const json = (method, path, token, payload, check) => ({
  method,
  path,
  headers: bearer(token, { 'content-type': 'application/json' }),
  body: JSON.stringify(payload),
  check,
});
const graphql = (token, query, check) => {
  const operationName = /query (\w+)/.exec(query)[1];
  return json('POST', '/graphql', token, { query, operationName }, check);
};

const ME = 'query BenchMe { me { id email roles } }';
const FILE_FIELDS =
  'id ownerId kind name mimeType size sha256 status width height hasThumbnails createdAt processedAt';
const FILES = `query BenchFiles { myFiles(page: { limit: 20 }) { totalCount nextCursor items { ${FILE_FIELDS} } } }`;
const AUDIT_FIELDS =
  'id occurredAt actorId actorType action entityType entityId oldValues newValues ip userAgent requestId status description';
const AUDIT = `query BenchAudit { myAuditLogs(page: { limit: 20 }) { totalCount nextCursor items { ${AUDIT_FIELDS} } } }`;
const AUDIT_ACTOR =
  'query BenchAuditActor { myAuditLogs(page: { limit: 20 }) { totalCount nextCursor items { id occurredAt action actorId actor { id email username } } } }';
const USER_FIELDS =
  'id email username emailVerified firstName lastName bio timezone locale avatarFileId roles createdAt status bannedAt banReason bannedUntil deletedAt';
const USERS = `query BenchUsers { users(page: { limit: 20 }) { totalCount nextCursor items { ${USER_FIELDS} } } }`;

// --- answer checks (a problem string, or undefined) --------------------------------------------

const problem = (ok, message) => (ok ? undefined : message);
const gqlData = (body, field) => (body?.errors ? undefined : (body?.data?.[field] ?? undefined));

const isMe = (user) => (body) =>
  problem(
    body?.id === user.id && body.email === user.email && Array.isArray(body.roles),
    `expected the account ${user.id} with its roles`,
  );
const isPage = (page, { total, atLeast, each }) =>
  problem(
    page &&
      Array.isArray(page.items) &&
      page.items.length === 20 &&
      typeof page.nextCursor === 'string' &&
      (total === undefined || page.totalCount === total) &&
      (atLeast === undefined || page.totalCount >= atLeast) &&
      page.items.every(each),
    `expected a page of 20 items with a cursor and totalCount ${total ?? `>= ${atLeast}`}`,
  );
const filesPage = (user) => (page) =>
  isPage(page, { total: SEEDED_FILES, each: (f) => f.ownerId === user.id && f.size > 0 });
const auditPage = (user) => (page) =>
  isPage(page, { atLeast: SEEDED_AUDIT, each: (a) => a.actorId === user.id && a.action });
const actorsPage = (user) => (page) =>
  isPage(page, {
    atLeast: SEEDED_AUDIT,
    each: (a) => a.actor?.id === user.id && a.actor.email === user.email,
  });
const usersPage = () => (page) =>
  isPage(page, {
    atLeast: SEEDED_USERS,
    each: (u) => u.email && Array.isArray(u.roles) && u.status,
  });
const patched = (user) => (body) =>
  problem(body?.id === user.id && body.firstName === 'Bench', 'expected firstName "Bench"');

// --- the list ---------------------------------------------------------------------------------

const GRAPHQL_TYPENAME = {
  method: 'POST',
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: 'query Bench { __typename }', operationName: 'Bench' }),
};

export const SCENARIOS = [
  {
    id: 'health',
    title: 'GET /health',
    kind: 'health',
    app: { method: 'GET', path: '/health' },
    raw: { method: 'GET', path: '/health' },
    expect: { status: 200, json: { status: 'ok' } },
  },
  {
    id: 'graphql-typename',
    title: 'POST /graphql { __typename }',
    kind: 'graphql',
    app: GRAPHQL_TYPENAME,
    raw: GRAPHQL_TYPENAME,
    expect: { status: 200, json: { data: { __typename: 'Query' } } },
  },
  {
    // Authenticated primary-key read: JWT verification, auth guard, rate limiter, one query.
    id: 'users-me',
    title: 'GET /api/v1/users/me (JWT + pg)',
    kind: 'rest-read',
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) => get('/api/v1/users/me', ctx.reader.token),
    raw: (ctx) => get('/users/me', ctx.reader.token),
    expect: { status: 200 },
    check: (body, ctx) => isMe(ctx.reader)(body),
  },
  {
    id: 'files-list',
    title: 'GET /api/v1/files?limit=20 (50 files)',
    kind: 'rest-read',
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) => get('/api/v1/files?limit=20', ctx.reader.token),
    raw: (ctx) => get('/files?limit=20', ctx.reader.token),
    expect: { status: 200 },
    check: (body, ctx) => filesPage(ctx.reader)(body),
  },
  {
    id: 'audit-me',
    title: 'GET /api/v1/audit-logs/me?limit=20',
    kind: 'rest-read',
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) => get('/api/v1/audit-logs/me?limit=20', ctx.reader.token),
    raw: (ctx) => get('/audit-logs/me?limit=20', ctx.reader.token),
    expect: { status: 200 },
    check: (body, ctx) => auditPage(ctx.reader)(body),
  },
  {
    id: 'admin-users',
    title: 'GET /api/v1/admin/users?limit=20 (admin)',
    kind: 'rest-read',
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ admin: await admin(ctx) }),
    app: (ctx) => get('/api/v1/admin/users?limit=20', ctx.admin.token),
    raw: (ctx) => get('/admin/users?limit=20', ctx.admin.token),
    expect: { status: 200 },
    check: (body) => usersPage()(body),
  },
  // GraphQL: the same reads; the raw twin is the raw REST route of the same read (same SQL).
  {
    id: 'graphql-me',
    title: 'GraphQL { me { id email roles } }',
    kind: 'graphql-read',
    needsDatabaseUrl: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) =>
      graphql(ctx.reader.token, ME, (body) => {
        const me = gqlData(body, 'me');
        return problem(me?.id === ctx.reader.id && Array.isArray(me.roles), 'expected data.me');
      }),
    raw: (ctx) => get('/users/me', ctx.reader.token, isMe(ctx.reader)),
    expect: { status: 200 },
  },
  {
    id: 'graphql-files',
    title: 'GraphQL myFiles(page: { limit: 20 })',
    kind: 'graphql-read',
    needsDatabaseUrl: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) =>
      graphql(ctx.reader.token, FILES, (body) => filesPage(ctx.reader)(gqlData(body, 'myFiles'))),
    raw: (ctx) => get('/files?limit=20', ctx.reader.token, filesPage(ctx.reader)),
    expect: { status: 200 },
  },
  {
    id: 'graphql-audit-me',
    title: 'GraphQL myAuditLogs(page: { limit: 20 })',
    kind: 'graphql-read',
    needsDatabaseUrl: true,
    setup: async (ctx) => ({ reader: await reader(ctx) }),
    app: (ctx) =>
      graphql(ctx.reader.token, AUDIT, (body) =>
        auditPage(ctx.reader)(gqlData(body, 'myAuditLogs')),
      ),
    raw: (ctx) => get('/audit-logs/me?limit=20', ctx.reader.token, auditPage(ctx.reader)),
    expect: { status: 200 },
  },
  {
    // The nested selection that needs a DataLoader: each entry's actor (AuditLogEntry.actor,
    // batched per request). Skipped when the built app has no such field.
    id: 'graphql-audit-actor',
    title: 'GraphQL myAuditLogs { items { actor } } (DataLoader)',
    kind: 'graphql-read',
    needsDatabaseUrl: true,
    setup: async (ctx) => {
      const user = await reader(ctx);
      const { body } = await call(ctx, 'POST', '/graphql', {
        token: user.token,
        json: { query: AUDIT_ACTOR, operationName: 'BenchAuditActor' },
      });
      const missing = body?.errors?.find((e) => /Cannot query field "actor"/.test(e.message));
      return missing ? { skip: 'the app has no AuditLogEntry.actor field' } : { reader: user };
    },
    app: (ctx) =>
      graphql(ctx.reader.token, AUDIT_ACTOR, (body) =>
        actorsPage(ctx.reader)(gqlData(body, 'myAuditLogs')),
      ),
    raw: (ctx) =>
      get('/audit-logs/me?limit=20&expand=actor', ctx.reader.token, actorsPage(ctx.reader)),
    expect: { status: 200 },
  },
  {
    id: 'graphql-admin-users',
    title: 'GraphQL users(page: { limit: 20 }) (admin)',
    kind: 'graphql-read',
    needsDatabaseUrl: true,
    setup: async (ctx) => ({ admin: await admin(ctx) }),
    app: (ctx) => graphql(ctx.admin.token, USERS, (body) => usersPage()(gqlData(body, 'users'))),
    raw: (ctx) => get('/admin/users?limit=20', ctx.admin.token, usersPage()),
    expect: { status: 200 },
  },
  {
    // A write: the same row every time (its own user, so no read scenario sees the writes).
    id: 'users-patch',
    title: 'PATCH /api/v1/users/me { firstName }',
    kind: 'write',
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ writer: await register(ctx, 'writer') }),
    app: (ctx) => json('PATCH', '/api/v1/users/me', ctx.writer.token, { firstName: 'Bench' }),
    raw: (ctx) => json('PATCH', '/users/me', ctx.writer.token, { firstName: 'Bench' }),
    expect: { status: 200 },
    check: (body, ctx) => patched(ctx.writer)(body),
  },
  {
    // Every login succeeds (same user, same user agent: a known device, no alert mail).
    id: 'login',
    title: 'POST /api/v1/auth/login (argon2id)',
    kind: 'login',
    p99Duration: 5, // answers take about a second at 100 connections
    needsDatabaseUrl: true,
    sameShape: true,
    setup: async (ctx) => ({ loginUser: await register(ctx, 'login') }),
    app: (ctx) => ({
      ...json('POST', '/api/v1/auth/login', '', { email: ctx.loginUser.email, password: PASSWORD }),
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    }),
    raw: (ctx) => ({
      ...json('POST', '/auth/login', '', { email: ctx.loginUser.email, password: PASSWORD }),
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    }),
    expect: { status: 200 },
    check: (body, ctx) =>
      problem(
        body?.user?.id === ctx.loginUser.id &&
          typeof body.accessToken === 'string' &&
          body.accessToken.split('.').length === 3 &&
          typeof body.refreshToken === 'string',
        'expected the user, an access token and a refresh token',
      ),
  },
  {
    // 10 connections: the seed floor is 10 concurrent uploads. Each side uploads as its own user.
    id: 'upload',
    title: 'POST /api/v1/files (multipart, 100 KiB)',
    kind: 'upload',
    needsDatabaseUrl: true,
    sameShape: true,
    connections: 10,
    p99Duration: 5,
    setup: async (ctx) => ({
      uploaders: { app: await register(ctx, 'upload-app'), raw: await register(ctx, 'upload-raw') },
      upload: uploadBody(),
    }),
    app: (ctx) => ({
      method: 'POST',
      path: '/api/v1/files',
      headers: bearer(ctx.uploaders.app.token, { 'content-type': ctx.upload.contentType }),
      body: ctx.upload.body,
      check: (body) => uploaded(body, ctx.uploaders.app, ctx.upload),
    }),
    raw: (ctx) => ({
      method: 'POST',
      path: '/files',
      headers: bearer(ctx.uploaders.raw.token, { 'content-type': ctx.upload.contentType }),
      body: ctx.upload.body,
      check: (body) => uploaded(body, ctx.uploaders.raw, ctx.upload),
    }),
    expect: { status: 201 },
  },
  {
    // 70 % REST reads, 20 % GraphQL me, 10 % writes: a cycle of 10 requests per connection. Its
    // own user (with its own files and audit entries), so its writes touch no other scenario.
    id: 'mixed',
    title: 'mixed: 70% REST reads, 20% GraphQL me, 10% PATCH',
    kind: 'mixed',
    needsDatabaseUrl: true,
    setup: async (ctx) => ({ mixer: await mixedUser(ctx) }),
    app: (ctx) => mixedCycle(ctx.mixer, 'app'),
    raw: (ctx) => mixedCycle(ctx.mixer, 'raw'),
    expect: { status: 200 },
  },
];

function uploaded(body, user, upload) {
  return problem(
    body?.ownerId === user.id &&
      body.size === UPLOAD_BYTES &&
      body.sha256 === upload.sha256 &&
      String(body.mimeType).startsWith('text/plain') &&
      body.status === 'ready',
    `expected a ready text/plain file of ${UPLOAD_BYTES} bytes with its sha256`,
  );
}

/** The mixed scenario's user: seeded like the reader. Also used by bench/soak.mjs and the memory phase. */
export const mixedUser = (ctx) =>
  once(ctx, 'mixer', async () => {
    const user = await register(ctx, 'mixed');
    await seedFiles(ctx.pg, user.id, SEEDED_FILES);
    await seedAudit(ctx.pg, user.id, SEEDED_AUDIT);
    return user;
  });

/** The mixed cycle for one side: the app's routes, or their raw twins (GraphQL me → raw me). */
export function mixedCycle(user, side) {
  const app = side === 'app';
  const me = get(app ? '/api/v1/users/me' : '/users/me', user.token, isMe(user));
  const files = get(
    app ? '/api/v1/files?limit=20' : '/files?limit=20',
    user.token,
    filesPage(user),
  );
  const audit = get(
    app ? '/api/v1/audit-logs/me?limit=20' : '/audit-logs/me?limit=20',
    user.token,
    auditPage(user),
  );
  const gqlMe = app
    ? graphql(user.token, ME, (body) =>
        problem(gqlData(body, 'me')?.id === user.id, 'expected data.me'),
      )
    : me;
  const patch = json(
    'PATCH',
    app ? '/api/v1/users/me' : '/users/me',
    user.token,
    { firstName: 'Bench' },
    patched(user),
  );
  return [me, files, gqlMe, audit, me, patch, files, gqlMe, audit, me];
}
