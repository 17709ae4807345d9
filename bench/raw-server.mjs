/**
 * The baseline for bench/run.mjs: a bare Fastify server doing the minimum work the app's route
 * has to do (parse the request, produce the same JSON), with none of the app's machinery: no
 * Nest, no hooks, no metrics, no logging, no rate limiter, no GraphQL engine.
 *
 * Started by bench/run.mjs as a child process with:
 *   PORT          port to listen on (127.0.0.1)
 *   DATABASE_URL  the benchmark's database (same as the app's; unused by the current routes)
 *   JWT_SECRET    the app's JWT secret (unused by the current routes)
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

const shutdown = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

const address = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`raw-server listening on ${address}\n`);
