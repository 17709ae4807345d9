/**
 * The baseline for bench/run.mjs: a bare Fastify server doing the minimum work the app's route
 * has to do (parse the request, produce the same JSON), with none of the app's machinery: no
 * Nest, no hooks, no metrics, no logging, no rate limiter, no GraphQL engine.
 *
 * Started by bench/run.mjs as a child process with:
 *   PORT          port to listen on (127.0.0.1)
 *   DATABASE_URL  the benchmark's database (same as the app's), for GET /users/me
 *   JWT_SECRET    the app's JWT secret, for GET /users/me
 * It prints one line `raw-server listening on <url>` once it accepts connections.
 *
 * Adding a baseline for a new scenario: register a route here that does the same essential work
 * as the app's route, and nothing else. E.g. for an authenticated `GET /api/v1/users/me`:
 * `jose.jwtVerify(token, new TextEncoder().encode(process.env.JWT_SECRET))`, one
 * `pool.query('select ... from users where id = $1', [sub])` on a `new pg.Pool({ connectionString:
 * process.env.DATABASE_URL })` sized like the app's pool (DB_POOL_SIZE, default 20), then
 * `reply.send(row)`. Keep the response body identical to the app's so the bytes on the wire match.
 */
import Fastify from 'fastify';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });

const HEALTH = JSON.stringify({ status: 'ok' });
const TYPENAME = JSON.stringify({ data: { __typename: 'Query' } });

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

// The same work as the app's GET /api/v1/users/me: verify the HS256 access token (issuer,
// audience, algorithm pinned), one primary-key read with the roles, the same JSON shape.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? ''));

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
  if (claims.iss !== 'nest-starter' || claims.aud !== 'nest-starter-api') return undefined;
  return claims;
}
// The same named (prepared) statement as the app's UsersRepository.getById, so both sides pay
// the same PostgreSQL cost and the ratio measures the servers.
const USER_BY_ID = {
  name: 'users_by_id',
  text: `
  SELECT u.id, u.email, u.username, u.email_verified_at, u.first_name, u.last_name, u.bio,
    u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason, u.banned_until,
    u.deleted_at, u.created_at, u.updated_at,
    COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id
  WHERE u.id = $1 AND u.deleted_at IS NULL GROUP BY u.id`,
};

app.get('/users/me', async (request, reply) => {
  const header = request.headers.authorization ?? '';
  let claims;
  try {
    claims = verify(header.slice(7));
  } catch {
    claims = undefined;
  }
  if (!claims) return reply.code(401).send({ code: 'UNAUTHENTICATED' });
  const sub = claims.sub;
  const { rows } = await pool.query({ ...USER_BY_ID, values: [sub] });
  const u = rows[0];
  if (!u) return reply.code(404).send({ code: 'NOT_FOUND' });
  return {
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
  };
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
