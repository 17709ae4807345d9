import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootApp } from '../support/app.js';
import { freshDatabase } from '../support/cli-runner.js';
import { eventually } from '../support/eventually.js';

async function admin<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// BullMQ's PostgreSQL backend memoises a connection's first start: a queue or worker whose start
// failed stays failed, and such a worker retried at once, forever, starving the event loop (seen
// in CI as a test process at 100 % CPU with its sessions idle in transaction). A start that cannot
// connect every queue must fail, with the cause, and leave nothing running.
describe('queues on PostgreSQL: a start the server refuses connections to', () => {
  const role = `queue_start_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let url: URL;

  beforeAll(async () => {
    url = new URL(await freshDatabase('queue_start'));
    const database = url.pathname.slice(1);
    // A role (not a superuser: they are exempt) that may hold fewer connections than a start
    // opens: 18 here (the database pool, then a pool per queue and per worker, QUEUE_PG_POOL_SIZE=1
    // in tests, and a LISTEN per worker). At 10 the database and the first queues connect, the
    // rest are refused; before the fix this start never ended.
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' CONNECTION LIMIT 10`);
    await admin(`ALTER DATABASE "${database}" OWNER TO ${role}`);
    url.username = role;
    url.password = password;
  });

  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('fails the start with the server error and leaves no session behind', async () => {
    await expect(bootApp({ env: { DATABASE_URL: url.toString() } })).rejects.toThrow(
      `too many connections for role "${role}"`,
    );
    // A backend leaves pg_stat_activity a moment after its client hung up.
    await eventually(async () => {
      const [{ sessions }] = await admin<{ sessions: number }>(
        `SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE usename = '${role}'`,
      );
      expect(sessions).toBe(0);
    });
  });

  it('starts once the server accepts enough connections, with the queue schema migrated once', async () => {
    await admin(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
    const t = await bootApp({ env: { DATABASE_URL: url.toString() } });
    try {
      const ready = await t.rest({ url: '/ready' });
      expect(ready.statusCode, ready.body).toBe(200);
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      const { rows } = await client
        .query<{ n: number }>('SELECT count(*)::int AS n FROM bullmq.migration')
        .finally(() => client.end());
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
