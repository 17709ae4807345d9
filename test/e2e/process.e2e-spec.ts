import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../support/app.js';
import { type Child, childAppEnv, freePort, spawnTs } from '../support/child-process.js';

// A child compiles the app on the fly (SWC) before it listens: seconds alone, far more while the
// other worker spawns processes too.
const STARTUP_MS = 90_000;

const children: Child[] = [];
afterAll(() => {
  for (const child of children) child.process.kill('SIGKILL');
});

const token = () =>
  new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(randomUUID())
    .setIssuer('nest-starter')
    .setAudience('nest-starter-api')
    .setJti(randomUUID())
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));

const json = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('the server process', () => {
  it('refuses to start on invalid configuration: exit 1, one line naming each variable', async () => {
    const child = spawnTs('src/main.ts', { PORT: 'abc', LOG_LEVEL: 'sideways', NODE_ENV: 'test' });
    children.push(child);
    expect(await child.exited).toBe(1);
    const output = child.stderr.join('').trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/^Invalid configuration: /);
    expect(output).toContain('PORT');
    expect(output).toContain('LOG_LEVEL');
  });

  it('refuses to start in production without DATABASE_URL or with a weak JWT secret', async () => {
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      JWT_SECRET: 'changeme-changeme-changeme-changeme',
      SIGNING_SECRET: 'short',
    });
    children.push(child);
    expect(await child.exited).toBe(1);
    const output = child.stderr.join('');
    expect(output).toContain('DATABASE_URL is required in production');
    expect(output).toContain('JWT_SECRET is a known weak value');
    expect(output).toContain('SIGNING_SECRET must be at least 32 characters');
    expect(output).not.toContain('changeme-changeme');
  });

  it('on SIGTERM finishes the in-flight request and the running job, then exits 0', async () => {
    const port = await freePort();
    const child = spawnTs('test/support/child-app.ts', {
      ...(await childAppEnv('shutdown')),
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '20000',
      SHUTDOWN_DRAIN_MS: '300',
      DB_SLOW_QUERY_MS: '30',
      DB_QUERY_WARN_COUNT: '10',
    });
    children.push(child);
    await child.waitForLine((l) => l.includes('listening on'), STARTUP_MS);
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/api/v1/test/sleep-query?seconds=0.05`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/test/many-queries?n=12`)).status).toBe(200);

    const enqueued = await fetch(`${base}/api/v1/test/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ kind: 'slow', ms: 1500 }),
    });
    expect(enqueued.status).toBe(201);
    await child.waitForLine((l) => l.includes('test job running'));

    const slow = fetch(`${base}/api/v1/test/slow?ms=1500`, {
      headers: { 'x-request-id': 'shutdown-test-1' },
    });
    await child.waitForLine((l) => l.includes('slow request started'));
    child.process.kill('SIGTERM');

    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ waited: 1500 });
    expect(response.headers.get('x-request-id')).toBe('shutdown-test-1');
    expect(await child.exited).toBe(0);

    const lines = child.lines.filter((l) => l.trim() !== '').map(json);
    const messages = lines.map((l) => l.msg);
    expect(messages.indexOf('test job finished')).toBeGreaterThan(-1);
    expect(messages.indexOf('test job finished')).toBeLessThan(
      messages.indexOf('shutdown complete'),
    );

    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          msg: expect.any(String),
          service: 'nest-starter',
          env: 'test',
        }),
      );
      expect(new Date(line.timestamp as string).toISOString()).toBe(line.timestamp);
    }
    const access = lines.find(
      (l) => l.msg === 'request completed' && l.route === '/api/v1/test/slow',
    );
    expect(access).toMatchObject({ request_id: 'shutdown-test-1', method: 'GET', status: 200 });
    expect(typeof access?.duration_ms).toBe('number');
    const started = lines.find((l) => l.msg === 'slow request started');
    expect(started).toMatchObject({
      request_id: 'shutdown-test-1',
      credentials: { password: '[REDACTED]', nested: { refreshToken: '[REDACTED]' } },
    });
    const jobLine = lines.find((l) => l.msg === 'test job running');
    expect(jobLine?.request_id).toEqual(expect.any(String));
    expect(jobLine?.job_id).toEqual(expect.any(String));
    expect(child.lines.join('\n')).not.toContain('hunter2');

    const slowQuery = lines.find(
      (l) => l.msg === 'Slow query' && l.query === 'SELECT pg_sleep($1)',
    );
    expect(slowQuery).toMatchObject({ level: 'warn', context: 'Database' });
    expect(slowQuery?.duration_ms).toBeGreaterThanOrEqual(30);
    expect(JSON.stringify(slowQuery)).not.toContain('0.05');
    const nPlusOne = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('possible N+1'));
    expect(nPlusOne).toMatchObject({
      level: 'warn',
      route: '/api/v1/test/many-queries',
      queries: 12,
    });
  }, 240_000);

  it('on SIGTERM under keep-alive load, every request is answered: no reset, no 503', async () => {
    const port = await freePort();
    const child = spawnTs('test/support/child-app.ts', {
      ...(await childAppEnv('drain')),
      PORT: String(port),
      SHUTDOWN_DRAIN_MS: '1500',
    });
    children.push(child);
    await child.waitForLine((l) => l.includes('listening on'), STARTUP_MS);

    const get = (agent: http.Agent) =>
      new Promise<{ status: number; close: boolean }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, close: res.headers.connection === 'close' }),
          );
        });
        req.on('error', reject);
      });

    const statuses: number[] = [];
    const errors: string[] = [];
    let sent = 0;
    let signalled = false;
    // Each client keeps one keep-alive connection busy until the server asks it to hang up,
    // as a load balancer's client would until the instance leaves its pool.
    const clients = Array.from({ length: 8 }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (;;) {
          sent++;
          const res = await get(agent);
          statuses.push(res.status);
          if (res.close && signalled) return;
        }
      } catch (error) {
        errors.push(String(error));
      } finally {
        agent.destroy();
      }
    });
    while (sent < 200) await new Promise((resolve) => setImmediate(resolve));
    signalled = true;
    child.process.kill('SIGTERM');
    await Promise.all(clients);

    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(200);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await child.exited).toBe(0);
  }, 240_000);

  it('a worker killed mid-job: another worker takes the job back and completes it once', async () => {
    const env = {
      ...(await childAppEnv('crash')),
      QUEUE_LOCK_DURATION_MS: '1000',
      QUEUE_STALLED_INTERVAL_MS: '500',
      SHUTDOWN_DRAIN_MS: '0',
    };
    const portA = await freePort();
    const first = spawnTs('test/support/child-app.ts', { ...env, PORT: String(portA) });
    children.push(first);
    await first.waitForLine((l) => l.includes('listening on'), STARTUP_MS);
    const auth = { authorization: `Bearer ${await token()}` };
    const enqueued = await fetch(`http://127.0.0.1:${portA}/api/v1/test/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ kind: 'slow', ms: 1500 }),
    });
    expect(enqueued.status).toBe(201);
    const { jobId } = (await enqueued.json()) as { jobId: string };
    await first.waitForLine((l) => l.includes('test job running'));
    first.process.kill('SIGKILL');
    await first.exited;

    const portB = await freePort();
    const second = spawnTs('test/support/child-app.ts', { ...env, PORT: String(portB) });
    children.push(second);
    await second.waitForLine((l) => l.includes('test job finished'), STARTUP_MS);
    const status = await fetch(`http://127.0.0.1:${portB}/api/v1/jobs/${jobId}`, {
      headers: auth,
    });
    const job = (await status.json()) as { status: string };
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const finished = [...first.lines, ...second.lines].filter((l) =>
      l.includes('test job finished'),
    );
    expect(finished).toHaveLength(1);
    expect(first.lines.some((l) => l.includes('test job finished'))).toBe(false);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);
});
