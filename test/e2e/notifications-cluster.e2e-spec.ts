import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';
import { type Child, childAppEnv, freePort, spawnTs } from '../support/child-process.js';
import { NOTIFICATION_ADDED, openAuthenticatedGraphqlWs } from '../support/graphql-ws.js';
import { openSse } from '../support/sse.js';

const children: Child[] = [];
afterAll(() => {
  for (const child of children) child.process.kill('SIGKILL');
});

interface Instance {
  base: string;
  child: Child;
}

async function start(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawnTs('src/main.ts', { ...env, PORT: String(port) });
  children.push(child);
  await child.waitForLine((l) => l.includes('listening on'), 60_000);
  return { base: `http://127.0.0.1:${port}`, child };
}

async function post(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Two real app processes on one database: a notification created through a route of A reaches
 * an SSE client and a graphql-ws client connected to B, over LISTEN/NOTIFY and over Redis.
 */
describe.each([
  { mode: 'postgres', redisUrl: undefined as string | undefined },
  { mode: 'redis', redisUrl: inject('redisUrl') ?? undefined },
])('notifications across instances ($mode bus)', ({ mode, redisUrl }) => {
  it.skipIf(mode === 'redis' && !redisUrl)(
    'an admin broadcast on A reaches SSE and graphql-ws clients on B',
    { timeout: 120_000 },
    async () => {
      const adminEmail = uniqueEmail('cluster-admin');
      const adminPassword = 'the cluster admin passphrase';
      const base = await childAppEnv(`cluster-${mode}`);
      const env = {
        ...base,
        LOG_LEVEL: 'info',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: adminPassword,
        RATE_LIMIT_STRICT: '10000/1m',
        RATE_LIMIT_DEFAULT: '10000/1m',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '1',
        DB_MIGRATE_ON_START: 'true',
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      };
      // A first: it runs the migrations; B then starts on the migrated database.
      const a = await start(env);
      const b = await start(env);

      const registered = await post(b.base, '/auth/register', {
        email: uniqueEmail('cluster'),
        password: STRONG_PASSWORD,
      });
      expect(registered.status).toBe(201);
      const token = registered.body.accessToken as string;

      const sse = await openSse(`${b.base}/api/v1/notifications/stream`, {
        authorization: `Bearer ${token}`,
      });
      expect(sse.status).toBe(200);
      const ws = await openAuthenticatedGraphqlWs(`${b.base.replace('http', 'ws')}/graphql`, token);
      ws.send({ id: 'n', type: 'subscribe', payload: { query: NOTIFICATION_ADDED } });

      const admin = await post(a.base, '/auth/login', {
        email: adminEmail,
        password: adminPassword,
      });
      expect(admin.status).toBe(200);
      const title = `cluster ${mode} ${randomUUID().slice(0, 8)}`;
      const accepted = await post(
        a.base,
        '/admin/notifications/broadcast',
        { title, message: 'from instance A' },
        admin.body.accessToken as string,
      );
      expect(accepted.status).toBe(202);

      const event = await sse.next(
        (e) => e.event === 'notification' && JSON.parse(e.data).title === title,
        30_000,
      );
      expect(JSON.parse(event.data)).toMatchObject({ type: 'system_announcement', title });
      const message = await ws.next(
        (m) =>
          m.type === 'next' &&
          (m.payload as { data: { notificationAdded: { title: string } } }).data.notificationAdded
            .title === title,
        30_000,
      );
      expect(message.id).toBe('n');
      // Delivered once per stream, not once per instance.
      expect(sse.events.filter((e) => e.id === event.id)).toHaveLength(1);

      // Shutdown of B: the stream ends with a retry hint, the socket with 1012.
      b.child.process.kill('SIGTERM');
      await sse.ended;
      expect(sse.retries.length).toBeGreaterThanOrEqual(2);
      expect((await ws.closed).code).toBe(1012);
      expect(await b.child.exited).toBe(0);
      a.child.process.kill('SIGTERM');
      expect(await a.child.exited).toBe(0);
    },
  );
});
