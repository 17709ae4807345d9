/**
 * The baseline for bench/notifications-bench.mjs: a bare Node http server doing the essential
 * work of the app's broadcast path, with none of the framework (no Nest, no Fastify, no queue,
 * no metrics, no logging):
 *
 *   POST /broadcast {title, message}  one INSERT … SELECT of a row per live user (same columns
 *                                     and indexes as `notifications`), then one bus message
 *   bus message                       one SELECT of the rows of the users connected here, then
 *                                     the same SSE frame the app writes, to each of their streams
 *   GET /stream                       HS256 Bearer token checked (jose), SSE headers, `retry:`
 *
 * Environment: PORT, DATABASE_URL, JWT_SECRET, RAW_BUS_CHANNEL, REDIS_URL (Redis pub/sub when
 * set, else PostgreSQL LISTEN/NOTIFY). Prints `raw-server listening` when ready.
 */
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { TextEncoder } from 'node:util';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const channel = process.env.RAW_BUS_CHANNEL ?? 'raw_bench';
const secret = new TextEncoder().encode(process.env.JWT_SECRET);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const TABLE = 'raw_bench_notifications';
const streamsByUser = new Map();

// Both instances start at once, and CREATE TABLE IF NOT EXISTS races a concurrent create of the
// same table (a unique violation on pg_type): one instance at a time, under an advisory lock.
const setup = await pool.connect();
try {
  await setup.query('BEGIN');
  await setup.query('SELECT pg_advisory_xact_lock(hashtext($1))', [TABLE]);
  await setup.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (LIKE notifications INCLUDING DEFAULTS INCLUDING INDEXES)`,
  );
  await setup.query('COMMIT');
} finally {
  setup.release();
}

const frame = (row) => {
  const json = JSON.stringify({
    id: row.id,
    type: row.type,
    level: row.level,
    title: row.title,
    message: row.body,
    data: row.data,
    entityType: row.entity_type,
    entityId: row.entity_id,
    readAt: row.read_at,
    createdAt: row.created_at,
  });
  return `id: ${row.id}\nevent: notification\ndata: ${json}\n\n`;
};

async function deliver(broadcastId) {
  const users = [...streamsByUser.keys()];
  if (users.length === 0) return;
  const { rows } = await pool.query(
    `SELECT * FROM ${TABLE} WHERE broadcast_id = $1 AND realtime AND user_id = ANY($2::uuid[])`,
    [broadcastId, users],
  );
  for (const row of rows) {
    const text = frame(row);
    for (const res of streamsByUser.get(row.user_id) ?? []) res.write(text);
  }
}

const bus = await (async () => {
  if (process.env.REDIS_URL) {
    const publisher = new Redis(process.env.REDIS_URL);
    const subscriber = new Redis(process.env.REDIS_URL);
    subscriber.on('message', (_c, payload) => void deliver(JSON.parse(payload).broadcastId));
    await subscriber.subscribe(channel);
    return { publish: (message) => publisher.publish(channel, JSON.stringify(message)) };
  }
  const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await listener.connect();
  listener.on('notification', (msg) => void deliver(JSON.parse(msg.payload).broadcastId));
  await listener.query(`LISTEN ${channel}`);
  return {
    publish: (message) =>
      pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(message)]),
  };
})();

async function broadcast(body) {
  const { title, message } = JSON.parse(body);
  const broadcastId = randomUUID();
  await pool.query(
    `INSERT INTO ${TABLE} (id, user_id, type, level, title, body, data, broadcast_id,
       in_app, email, realtime)
     SELECT gen_random_uuid(), u.id, 'system_announcement', 'info', $2, $3, '{}', $1,
            true, false, true
     FROM users u WHERE u.deleted_at IS NULL`,
    [broadcastId, title, message],
  );
  await bus.publish({ broadcastId });
  return broadcastId;
}

async function openStream(req, res) {
  const header = req.headers.authorization ?? '';
  let userId;
  try {
    const { payload } = await jwtVerify(header.replace(/^Bearer /, ''), secret);
    userId = payload.sub;
  } catch {
    res.writeHead(401).end();
    return;
  }
  req.socket.setTimeout(0);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  res.write('retry: 3000\n\n');
  let set = streamsByUser.get(userId);
  if (!set) streamsByUser.set(userId, (set = new Set()));
  set.add(res);
  res.on('close', () => {
    set.delete(res);
    if (set.size === 0) streamsByUser.delete(userId);
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else if (req.method === 'GET' && req.url === '/memory') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(process.memoryUsage()));
  } else if (req.method === 'GET' && req.url.startsWith('/stream')) {
    void openStream(req, res);
  } else if (req.method === 'POST' && req.url === '/broadcast') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      broadcast(body).then(
        (id) => res.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":"${id}"}`),
        (error) => res.writeHead(500).end(String(error.message)),
      );
    });
  } else res.writeHead(404).end();
});
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('raw-server listening\n'));
