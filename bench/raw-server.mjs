/**
 * The baseline for bench/run.mjs: a bare Fastify server doing the minimum work each of the app's
 * routes has to do (parse the request, verify the token, run the same SQL, produce the same
 * JSON), with none of the app's machinery: no Nest, no hooks, no metrics, no logging, no rate
 * limiter, no GraphQL engine, no ORM.
 *
 * Started by bench/run.mjs (and bench/soak.mjs) as a child process with:
 *   PORT            port to listen on (127.0.0.1)
 *   DATABASE_URL    the benchmark's database (same as the app's)
 *   JWT_SECRET      the app's JWT secret (HS256, iss nest-starter, aud nest-starter-api)
 *   ACCESS_TTL      seconds of the access tokens POST /auth/login signs (the app's setting)
 *   UPLOAD_DIR      where POST /files writes the uploads
 *   RAW_PREPARED    `false`: unnamed statements; else every query is a named (prepared)
 *                   statement, parsed and planned once per connection
 * It prints one line `raw-server listening on <url>` once it accepts connections.
 *
 * Each route copies the SQL of the app's repository it stands for (see the comments) and answers
 * the JSON shape of the app's DTO, so the bytes on the wire match. Adding a baseline: same
 * essential work as the app's route, nothing else.
 */
import multipart from '@fastify/multipart';
import { verify as argon2Verify } from '@node-rs/argon2';
import Fastify from 'fastify';
import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const prepared = process.env.RAW_PREPARED !== 'false';
const accessTtl = Number(process.env.ACCESS_TTL ?? 900);
const uploadDir = process.env.UPLOAD_DIR ?? join(process.cwd(), '.data/raw-uploads');
const app = Fastify({ logger: false });

const HEALTH = JSON.stringify({ status: 'ok' });
const TYPENAME = JSON.stringify({ data: { __typename: 'Query' } });
const ISSUER = 'nest-starter';
const AUDIENCE = 'nest-starter-api';

app.get('/health', (_request, reply) => {
  reply.type('application/json; charset=utf-8').send(HEALTH);
});

// Readiness, so that bench/run.mjs can wait on both servers the same way.
app.get('/ready', (_request, reply) => {
  reply.type('application/json; charset=utf-8').send(HEALTH);
});

// Fastify's built-in parser has already JSON-parsed the body (application/json); check it is a
// GraphQL request, then answer what `query Bench { __typename }` resolves to.
app.post('/graphql', (request, reply) => {
  const body = request.body;
  if (body === null || typeof body !== 'object' || typeof body.query !== 'string') {
    reply.code(400).send({ errors: [{ message: 'Must provide query string.' }] });
    return;
  }
  reply.type('application/json; charset=utf-8').send(TYPENAME);
});

// --- auth ---------------------------------------------------------------------------------------

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const secret = Buffer.from(process.env.JWT_SECRET ?? '');
const key = createSecretKey(secret);

/** A query, named (prepared once per connection) unless RAW_PREPARED=false. */
const query = (name, text, values) =>
  pool.query(prepared ? { name, text, values } : { text, values });

// The essential HS256 checks of the app's verifier (fast-jwt, src/core/auth/jwt-verifier.ts):
// pinned algorithm, constant-time signature comparison, exp, iss, aud.
function verify(token) {
  const [h, p, s] = token.split('.');
  if (!s) return undefined;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (header.alg !== 'HS256') return undefined;
  const expected = Buffer.from(createHmac('sha256', key).update(`${h}.${p}`).digest('base64url'));
  const given = Buffer.from(s);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (claims.exp <= Date.now() / 1000) return undefined;
  if (claims.iss !== ISSUER || claims.aud !== AUDIENCE) return undefined;
  return claims;
}

// HS256 signing as the app's fast-jwt signer does it: synchronous node:crypto HMAC, iat, iss,
// aud. (jose signs through WebCrypto, whose HMAC job would queue on the libuv thread pool behind
// the argon2 verifies of concurrent logins and make the baseline slower than the app.)
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
function sign(claims) {
  const payload = { ...claims, iat: Math.floor(Date.now() / 1000), iss: ISSUER, aud: AUDIENCE };
  const body = `${JWT_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** The caller's claims, or undefined after answering 401 (the app's auth guard). */
function authenticate(request, reply) {
  const header = request.headers.authorization ?? '';
  let claims;
  try {
    claims = verify(header.slice(7));
  } catch {
    claims = undefined;
  }
  if (!claims) reply.code(401).send({ code: 'UNAUTHENTICATED' });
  return claims;
}

// --- users (src/modules/auth/users.repository.ts, dto/user.dto.ts) -----------------------------

// UsersRepository.getById: the same text as the app's named statement `users_by_id`.
const USER_WITH_ROLES = `u.id, u.email, u.username, u.email_verified_at, u.first_name,
  u.last_name, u.bio, u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason,
  u.banned_until, u.deleted_at, u.created_at, u.updated_at,
  COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
            JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS roles`;
const USER_BY_ID = `SELECT ${USER_WITH_ROLES} FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL`;

// AccountsRepository.getForSignIn (u.* includes password_hash): a live account, or a deleted
// one inside the restore window (AUTH_ACCOUNT_RESTORE_DAYS, 30), roles included.
const USER_FOR_SIGN_IN = `SELECT u.*, COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL),
         '{}') AS roles
       FROM users u
       LEFT JOIN user_roles ur ON ur.user_id = u.id
       LEFT JOIN roles r ON r.id = ur.role_id
       WHERE u.email = $1 AND (u.deleted_at IS NULL OR (u.deleted_at IS NOT NULL
  AND u.deleted_at >= now() - make_interval(days => $2)
  AND u.email <> ('deleted-' || u.id || '@invalid')))
       GROUP BY u.id`;

// PATCH: UsersRepository.updateProfile, one statement that answers the updated user.
const UPDATE_FIRST_NAME = `UPDATE users u SET first_name = $2, updated_at = now() WHERE u.id = $1 AND u.deleted_at IS NULL
       RETURNING ${USER_WITH_ROLES}`;

const userDto = (u) => ({
  id: u.id,
  email: u.email,
  username: u.username,
  emailVerified: u.email_verified_at !== null,
  firstName: u.first_name,
  lastName: u.last_name,
  bio: u.bio,
  timezone: u.timezone,
  locale: u.locale,
  avatarFileId: u.avatar_file_id,
  roles: u.roles,
  createdAt: u.created_at,
});

app.get('/users/me', async (request, reply) => {
  const claims = authenticate(request, reply);
  if (!claims) return reply;
  const { rows } = await query('users_by_id', USER_BY_ID, [claims.sub]);
  if (!rows[0]) return reply.code(404).send({ code: 'NOT_FOUND' });
  return userDto(rows[0]);
});

app.patch('/users/me', async (request, reply) => {
  const claims = authenticate(request, reply);
  if (!claims) return reply;
  const firstName = request.body?.firstName;
  if (typeof firstName !== 'string' || firstName.length > 100) {
    return reply.code(400).send({ code: 'VALIDATION_FAILED' });
  }
  const { rows } = await query('raw_update_first_name', UPDATE_FIRST_NAME, [claims.sub, firstName]);
  if (!rows[0]) return reply.code(404).send({ code: 'NOT_FOUND' });
  return userDto(rows[0]);
});

// --- login (auth.service.ts login, session-issuer.service.ts, sessions.repository.ts) ----------

// TypeORM's INSERT of SessionsRepository.create.
const INSERT_SESSION = `INSERT INTO "sessions"("id", "user_id", "refresh_token_hash", "ip",
  "user_agent", "created_at", "last_used_at", "expires_at", "absolute_expires_at", "revoked_at",
  "revoked_reason") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const REFRESH_TTL_MS = 7 * 86_400_000; // AUTH_REFRESH_TTL_SECONDS default
const SESSION_MAX_AGE_MS = 30 * 86_400_000; // AUTH_SESSION_MAX_AGE_SECONDS default

app.post('/auth/login', async (request, reply) => {
  const { email, password } = request.body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string') {
    return reply.code(400).send({ code: 'VALIDATION_FAILED' });
  }
  const { rows } = await query('raw_user_for_sign_in', USER_FOR_SIGN_IN, [email, 30]);
  const user = rows[0];
  // The hash carries the app's argon2id settings (memory, iterations, parallelism).
  if (!user?.password_hash || !(await argon2Verify(user.password_hash, password))) {
    return reply.code(401).send({ code: 'UNAUTHENTICATED' });
  }
  if (user.deleted_at) return reply.code(403).send({ code: 'ACCOUNT_DELETED' });
  const now = new Date();
  const sessionId = randomUUID();
  const refreshToken = randomBytes(32).toString('base64url');
  const absolute = new Date(now.getTime() + SESSION_MAX_AGE_MS);
  await query('raw_insert_session', INSERT_SESSION, [
    sessionId,
    user.id,
    createHash('sha256').update(refreshToken).digest('hex'),
    request.ip,
    request.headers['user-agent'] ?? null,
    now,
    now,
    new Date(Math.min(now.getTime() + REFRESH_TTL_MS, absolute.getTime())),
    absolute,
    null,
    null,
  ]);
  const accessToken = sign({
    roles: user.roles,
    sid: sessionId,
    sub: user.id,
    jti: randomUUID(),
    exp: Math.floor(Date.now() / 1000) + accessTtl,
  });
  return { user: userDto(user), accessToken, refreshToken, expiresIn: accessTtl };
});

// --- lists: the cursor is base64url of JSON [sort, key, id] (src/core/pagination/cursor.ts) -----

const cursor = (sort, key, id) =>
  Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');
const limitOf = (request) => {
  const limit = Number(request.query.limit ?? 20);
  return Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : undefined;
};
/** toPage: `limit + 1` rows were read; the extra one only says that more follow. */
function page(rows, limit, totalCount, map, cursorOf) {
  const more = rows.length > limit;
  const visible = more ? rows.slice(0, limit) : rows;
  return {
    items: visible.map(map),
    nextCursor: more && visible.length ? cursorOf(visible[visible.length - 1]) : null,
    totalCount,
  };
}

/**
 * The statement of the app's keysetPage (src/core/database/keyset-page.ts), the list query of
 * every module: the total (capped or not) LATERAL-joined to `limit + 1` rows after the keyset,
 * in one round trip, each row with its sort key as text. Same text, so the same plan.
 */
function keysetSql({
  columns,
  from,
  filter,
  params,
  sort,
  sortType = 'timestamptz',
  id,
  idType,
  direction,
  countCap,
}) {
  const sortKey =
    sortType === 'timestamptz'
      ? `to_char(${sort} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
      : `${sort}::text`;
  const n = params;
  const total = countCap
    ? `SELECT count(*)::int AS total FROM (SELECT 1 FROM ${from} WHERE ${filter} LIMIT ${countCap}) m`
    : `SELECT count(*)::int AS total FROM ${from} WHERE ${filter}`;
  return `SELECT p.*, c.total FROM (${total}) c LEFT JOIN LATERAL (
    SELECT ${columns}, ${sortKey} AS "sortKey"
    FROM ${from}
    WHERE ${filter} AND ($${n + 1}::${sortType} IS NULL
      OR (${sort}, ${id}) ${direction === 'DESC' ? '<' : '>'} ($${n + 1}::${sortType}, $${n + 2}::${idType}))
    ORDER BY ${sort} ${direction}, ${id} ${direction}
    LIMIT $${n + 3}) p ON true`;
}

/** Runs a keysetSql statement for the first page; `{ rows, total }` as keysetPage answers. */
async function keysetPage(name, text, filterParams, limit) {
  const { rows } = await query(name, text, [...filterParams, null, null, limit + 1]);
  const total = rows[0]?.total ?? 0;
  if (!rows[0] || rows[0].sortKey === null) return { rows: [], total };
  return { rows, total }; // rows keep `total`: each page maps them field by field
}

// FilesRepository.listByOwner.
const FILES_PAGE = keysetSql({
  columns: `f.id, f.owner_id AS "ownerId", f.kind, f.status, f.storage_driver AS "storageDriver",
  f.storage_key AS "storageKey", f.name, f.mime_type AS "mimeType", f.size, f.sha256, f.width,
  f.height, f.has_thumbnails AS "hasThumbnails", f.failure_reason AS "failureReason",
  f.created_at AS "createdAt", f.updated_at AS "updatedAt", f.processed_at AS "processedAt",
  f.deleted_at AS "deletedAt", f.purged_at AS "purgedAt"`,
  from: 'files f',
  filter: 'f.owner_id = $1 AND f.deleted_at IS NULL',
  params: 1,
  sort: 'f.created_at',
  id: 'f.id',
  idType: 'uuid',
  direction: 'DESC',
});

const fileDto = (f) => ({
  id: f.id,
  ownerId: f.ownerId,
  kind: f.kind,
  name: f.name,
  mimeType: f.mimeType,
  size: Number(f.size),
  sha256: f.sha256,
  status: f.status,
  width: f.width,
  height: f.height,
  hasThumbnails: f.hasThumbnails,
  createdAt: f.createdAt,
  processedAt: f.processedAt,
});

app.get('/files', async (request, reply) => {
  const claims = authenticate(request, reply);
  if (!claims) return reply;
  const limit = limitOf(request);
  if (!limit) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
  const { rows, total } = await keysetPage('raw_files_page', FILES_PAGE, [claims.sub], limit);
  return page(rows, limit, total, fileDto, (f) => cursor('files', f.sortKey, f.id));
});

// AuditRepository.search with { actorId } (count capped at COUNT_CAP).
const AUDIT_PAGE = keysetSql({
  columns: `a.id::text AS "id", a.occurred_at AS "occurredAt", a.actor_id AS "actorId",
  a.actor_type AS "actorType", a.action, a.entity_type AS "entityType", a.entity_id AS "entityId",
  a.old_values AS "oldValues", a.new_values AS "newValues", a.ip, a.user_agent AS "userAgent",
  a.request_id AS "requestId", a.status, a.description`,
  from: 'audit_log a',
  filter: 'a.actor_id = $1',
  params: 1,
  sort: 'a.occurred_at',
  id: 'a.id',
  idType: 'bigint',
  direction: 'DESC',
  countCap: 10_000,
});

// AdminUsersRepository.summaries: the actors of a page in one query (the GraphQL field
// AuditLogEntry.actor batches the page's ids through a DataLoader; REST: expand=actor).
const ACTORS =
  'SELECT id, email::text AS email, username::text AS username FROM users WHERE id = ANY($1::uuid[])';

// AuditService's toDto: property by property.
const auditDto = (row) => ({
  id: row.id,
  occurredAt: row.occurredAt,
  actorId: row.actorId,
  actorType: row.actorType,
  action: row.action,
  entityType: row.entityType,
  entityId: row.entityId,
  oldValues: row.oldValues ?? null,
  newValues: row.newValues ?? null,
  ip: row.ip,
  userAgent: row.userAgent,
  requestId: row.requestId,
  status: row.status,
  description: row.description,
});

app.get('/audit-logs/me', async (request, reply) => {
  const claims = authenticate(request, reply);
  if (!claims) return reply;
  const limit = limitOf(request);
  if (!limit) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
  const { rows, total } = await keysetPage('raw_audit_page', AUDIT_PAGE, [claims.sub], limit);
  const result = page(
    rows,
    limit,
    total,
    (row) => auditDto(row),
    (row) => cursor('audit:-occurredAt', row.sortKey, row.id),
  );
  if (request.query.expand === 'actor') {
    const ids = [...new Set(result.items.map((e) => e.actorId).filter(Boolean))];
    const { rows: actors } = await query('raw_actors', ACTORS, [ids]);
    const byId = new Map(actors.map((a) => [a.id, a]));
    for (const entry of result.items) entry.actor = byId.get(entry.actorId) ?? null;
  }
  return result;
});

// AdminUsersRepository.list, default filter and sort -createdAt.
const USERS_PAGE = keysetSql({
  columns: `u.id, u.email, u.username, u.email_verified_at, u.first_name, u.last_name,
  u.bio, u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason, u.banned_until,
  u.deleted_at, u.created_at, u.updated_at,
  COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
            JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS roles`,
  from: 'users u',
  filter: 'u.deleted_at IS NULL',
  params: 0,
  sort: 'u.created_at',
  id: 'u.id',
  idType: 'uuid',
  direction: 'DESC',
});

const banned = (u) =>
  u.banned_at !== null && (u.banned_until === null || u.banned_until > new Date());
const adminUserDto = (u) => {
  const isBanned = banned(u);
  // toAdminUserDto: the account state set on the profile DTO.
  const dto = userDto(u);
  dto.status = u.deleted_at
    ? 'deleted'
    : isBanned
      ? 'banned'
      : u.email_verified_at
        ? 'active'
        : 'unverified';
  dto.bannedAt = isBanned ? u.banned_at : null;
  dto.banReason = isBanned ? u.ban_reason : null;
  dto.bannedUntil = isBanned ? u.banned_until : null;
  dto.deletedAt = u.deleted_at;
  return dto;
};

app.get('/admin/users', async (request, reply) => {
  const claims = authenticate(request, reply);
  if (!claims) return reply;
  // The app's check reads a cached role → permission map; admin holds users.read.
  if (!Array.isArray(claims.roles) || !claims.roles.includes('admin')) {
    return reply.code(403).send({ code: 'FORBIDDEN' });
  }
  const limit = limitOf(request);
  if (!limit) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
  const { rows, total } = await keysetPage('raw_users_page', USERS_PAGE, [], limit);
  return page(rows, limit, total, adminUserDto, (u) => cursor('-createdAt', u.sortKey, u.id));
});

// --- upload: stream the part to a file (sha256 and size on the way), then one INSERT ----------

// TypeORM's INSERT of FilesRepository.insertWithinQuota, answering the row (the app reads it
// back with getLive). The app also checks the quota (usage query, advisory lock, usage again).
const INSERT_FILE = `INSERT INTO "files"("id", "owner_id", "kind", "status", "storage_driver",
  "storage_key", "name", "mime_type", "size", "sha256", "created_at", "updated_at")
  VALUES ($1, $2, 'attachment', 'ready', 'local', $3, $4, $5, $6, $7, $8, $8)
  RETURNING id, owner_id AS "ownerId", kind, name, mime_type AS "mimeType", size, sha256, status,
    width, height, has_thumbnails AS "hasThumbnails", created_at AS "createdAt",
    processed_at AS "processedAt"`;

mkdirSync(uploadDir, { recursive: true });

// Encapsulated: the multipart parser is registered for this route's scope only.
app.register(async (scope) => {
  await scope.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1 } });
  scope.post('/files', async (request, reply) => {
    const claims = authenticate(request, reply);
    if (!claims) return reply;
    const part = await request.file();
    if (!part || part.fieldname !== 'file') {
      return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    }
    const id = randomUUID();
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(part.file, tap, createWriteStream(join(uploadDir, id)));
    const { rows } = await query('raw_insert_file', INSERT_FILE, [
      id,
      claims.sub,
      `raw/${id}`,
      part.filename,
      part.mimetype,
      size,
      hash.digest('hex'),
      new Date(),
    ]);
    reply.code(201);
    return fileDto(rows[0]);
  });
});

// An unexpected failure is one line on stderr (bench/run.mjs shows it), then a 500.
app.setErrorHandler((error, request, reply) => {
  process.stderr.write(`${request.method} ${request.url}: ${error.stack ?? error}\n`);
  reply.code(500).send({ code: 'INTERNAL' });
});

const shutdown = () => {
  pool.end().catch(() => undefined);
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

const address = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`raw-server listening on ${address}\n`);
