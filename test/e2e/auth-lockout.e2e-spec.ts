import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { LOCKOUT_ENV, loginFrom, nextIp } from '../support/login-attempts.js';

const ENV = {
  ...LOCKOUT_ENV,
  AUTH_LOGIN_MAX_FAILURES: '3',
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: '60',
};

describe('auth: per-account login lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ env: ENV });
  });
  afterAll(() => t?.close());

  const attempt = (email: string, password: string, ip: string) =>
    loginFrom(t, ip, email, password);

  /** The parts of a problem body that must not tell accounts apart. */
  const stable = (body: Record<string, unknown>) => {
    const rest = { ...body };
    for (const key of ['requestId', 'instance', 'traceId']) delete rest[key];
    return rest;
  };

  const failTimes = async (email: string, ip: string, times: number) => {
    for (let i = 0; i < times; i += 1) {
      const res = await attempt(email, 'wrong password here', ip);
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
  };

  it('locks a known and an unknown email alike after the failures, before the password check', async () => {
    const user = await registerUser(t);
    const unknown = uniqueEmail('ghost');
    const ip = nextIp();
    await failTimes(user.email, ip, 3);
    await failTimes(unknown, ip, 3);

    const known = await attempt(user.email, STRONG_PASSWORD, ip); // right password, still locked
    const ghost = await attempt(unknown, STRONG_PASSWORD, ip);
    for (const res of [known, ghost]) {
      expect(res.statusCode, res.body).toBe(429);
      expect(res.json().code).toBe('RATE_LIMIT_EXCEEDED');
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(stable(known.json())).toEqual(stable(ghost.json()));
    expect(known.body).not.toContain('accessToken');

    const metrics = (await t.rest({ url: '/metrics' })).body;
    expect(metrics).toMatch(/logins_total\{result="locked"\} [1-9]/);
  });

  it('keeps the lock per email + IP: other emails and other IPs keep their own budget', async () => {
    const locked = await registerUser(t);
    const other = await registerUser(t);
    const ip = nextIp();
    await failTimes(locked.email, ip, 3);
    expect((await attempt(locked.email, STRONG_PASSWORD, ip)).statusCode).toBe(429);

    // Same IP, another email: its own budget (two failures, then a success).
    await failTimes(other.email, ip, 2);
    expect((await attempt(other.email, STRONG_PASSWORD, ip)).statusCode).toBe(200);
    // Same email, another IP: not locked out by someone else's guesses.
    expect((await attempt(locked.email, STRONG_PASSWORD, nextIp())).statusCode).toBe(200);
  });

  it('clears the failure count on a successful login', async () => {
    const user = await registerUser(t);
    const ip = nextIp();
    await failTimes(user.email, ip, 2);
    expect((await attempt(user.email, STRONG_PASSWORD, ip)).statusCode).toBe(200);
    // Two more failures would have locked it had the count not been cleared.
    await failTimes(user.email, ip, 2);
    expect((await attempt(user.email, STRONG_PASSWORD, ip)).statusCode).toBe(200);
  });

  it('counts GraphQL logins against the same lock', async () => {
    const user = await registerUser(t);
    const ip = nextIp();
    await failTimes(user.email, ip, 3);
    const res = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      {
        variables: { input: { email: user.email, password: STRONG_PASSWORD } },
        headers: { 'x-forwarded-for': ip },
      },
    );
    const body = res.json();
    expect(body.data?.login ?? null).toBeNull();
    expect(body.errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });
});

describe('auth: login lockout shared through Redis', () => {
  const available = inject('redisUrl') !== null;
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    if (!available) return;
    one = await bootApp({ redis: true, env: ENV });
    two = await bootApp({ redis: true, env: ENV });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  const attempt = (t: TestApp, email: string, password: string, ip: string) =>
    loginFrom(t, ip, email, password);

  it('counts failures across instances, locks on both and clears on success', async (ctx) => {
    if (!available) ctx.skip('Redis is not reachable');
    const user = await registerUser(one);
    const ip = nextIp();
    expect((await attempt(one, user.email, 'wrong password here', ip)).statusCode).toBe(401);
    expect((await attempt(two, user.email, 'wrong password here', ip)).statusCode).toBe(401);
    // A success clears the two failures: three more are needed to lock.
    expect((await attempt(two, user.email, STRONG_PASSWORD, ip)).statusCode).toBe(200);
    for (const t of [one, two, one]) {
      expect((await attempt(t, user.email, 'wrong password here', ip)).statusCode).toBe(401);
    }
    for (const t of [one, two]) {
      const res = await attempt(t, user.email, STRONG_PASSWORD, ip);
      expect(res.statusCode).toBe(429);
      expect(res.json().code).toBe('RATE_LIMIT_EXCEEDED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
  });
});
