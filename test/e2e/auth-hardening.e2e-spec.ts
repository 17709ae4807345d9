import { getQueueToken } from '@nestjs/bullmq';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Reflector } from '@nestjs/core';
import { encodeCursor } from '../../src/core/pagination/cursor.js';
import { rateLimitOf } from '../../src/core/rate-limit/rate-limit.decorator.js';
import { AuthController } from '../../src/modules/auth/auth.controller.js';
import { AuthResolver } from '../../src/modules/auth/auth.resolver.js';
import { AccountsWorker } from '../../src/modules/auth/accounts.worker.js';
import { PasswordService } from '../../src/modules/auth/password.service.js';
import { totp } from '../../src/modules/auth/totp.js';
import {
  deleteAccount,
  login,
  type RegisteredUser,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { LOCKOUT_ENV, loginFrom, nextIp } from '../support/login-attempts.js';
import { registeredScheduler } from '../support/schedulers.js';
import { bootstrapAdmin } from '../support/users.js';

const ENV = {
  ...LOCKOUT_ENV,
  AUTH_LOGIN_MAX_FAILURES: '3',
  AUTH_LOGIN_ACCOUNT_MAX_FAILURES: '5',
};

interface SessionItem {
  id: string;
  current: boolean;
  createdAt: string;
}
interface SessionsPage {
  items: SessionItem[];
  nextCursor: string | null;
  totalCount: number;
}

const SESSIONS = `query S($page: PageInput) {
  sessions(page: $page) { items { id current createdAt } nextCursor totalCount }
}`;

describe('auth hardening (issue 15, item 5)', () => {
  let t: TestApp;
  let db: DataSource;
  const admin = bootstrapAdmin('hardening-admin');

  beforeAll(async () => {
    t = await bootApp({ env: { ...ENV, ...admin.env } });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(() => t?.close());

  const gqlCode = (body: string): string | undefined =>
    (JSON.parse(body) as { errors?: Array<{ extensions: { code: string } }> }).errors?.[0]
      ?.extensions.code;

  describe('GET /auth/sessions: the list shape', () => {
    it('pages my active sessions newest first with a cursor (REST), without gaps or repeats', async () => {
      const user = await registerUser(t);
      await login(t, user.email, user.password);
      const last = await login(t, user.email, user.password);
      // A revoked session is not listed.
      const revoked = await login(t, user.email, user.password);
      await t.rest({ method: 'POST', url: '/api/v1/auth/logout', token: revoked.accessToken });

      const first = await t.rest({ url: '/api/v1/auth/sessions?limit=2', token: last.accessToken });
      expect(first.statusCode, first.body).toBe(200);
      const one = first.json() as SessionsPage;
      expect(one.totalCount).toBe(3);
      expect(one.items).toHaveLength(2);
      expect(one.items[0]!.current).toBe(true);
      expect(one.nextCursor).toEqual(expect.any(String));
      const second = await t.rest({
        url: `/api/v1/auth/sessions?limit=2&cursor=${one.nextCursor}`,
        token: last.accessToken,
      });
      const two = second.json() as SessionsPage;
      expect(two).toMatchObject({ nextCursor: null, totalCount: 3 });
      expect(two.items).toHaveLength(1);
      const ids = [...one.items, ...two.items].map((s) => s.id);
      expect(new Set(ids).size).toBe(3);
      const rows: Array<{ id: string }> = await db.query(
        `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
         ORDER BY created_at DESC, id DESC`,
        [user.id],
      );
      expect(ids).toEqual(rows.map((r) => r.id));
    });

    it('answers the same pages over GraphQL (sessions(page: PageInput) → SessionPage)', async () => {
      const user = await registerUser(t);
      const other = await login(t, user.email, user.password);
      const res = await t.gql(SESSIONS, {
        token: other.accessToken,
        variables: { page: { limit: 1 } },
      });
      const page = res.json().data.sessions as SessionsPage;
      expect(page).toMatchObject({ totalCount: 2, nextCursor: expect.any(String) });
      expect(page.items).toEqual([expect.objectContaining({ current: true })]);
      const next = await t.gql(SESSIONS, {
        token: other.accessToken,
        variables: { page: { limit: 1, cursor: page.nextCursor } },
      });
      expect(next.json().data.sessions).toMatchObject({
        items: [{ current: false }],
        nextCursor: null,
        totalCount: 2,
      });
    });

    it.each([
      ['garbage', 'cursor=not!a*cursor', 'cursor'],
      [
        'a cursor of another list',
        `cursor=${encodeCursor({ sort: 'files', key: new Date().toISOString(), id: '5b0c6f1e-8d2a-4c3b-9f1e-2a3b4c5d6e7f' })}`,
        'cursor',
      ],
      [
        'a cursor with a non-timestamp key',
        `cursor=${encodeCursor({ sort: 'sessions', key: 'yesterday', id: '5b0c6f1e-8d2a-4c3b-9f1e-2a3b4c5d6e7f' })}`,
        'cursor',
      ],
      ['limit 0', 'limit=0', 'limit'],
      ['limit 101', 'limit=101', 'limit'],
      ['a non-numeric limit', 'limit=ten', 'limit'],
      ['an unknown parameter', 'sort=-createdAt', 'sort'],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query, field) => {
      const user = await registerUser(t);
      const res = await t.rest({ url: `/api/v1/auth/sessions?${query}`, token: user.accessToken });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().errors)).toContain(field);
    });

    it('accepts limit 1 and 100, and refuses bad pages over GraphQL with BAD_USER_INPUT', async () => {
      const user = await registerUser(t);
      for (const limit of [1, 100]) {
        const res = await t.rest({
          url: `/api/v1/auth/sessions?limit=${limit}`,
          token: user.accessToken,
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      for (const page of [{ limit: 0 }, { limit: 101 }, { cursor: 'garbage' }]) {
        const res = await t.gql(SESSIONS, { token: user.accessToken, variables: { page } });
        expect(gqlCode(res.body), res.body).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe("failed sign-ins in the account's own security log", () => {
    const userAgent = 'HardeningSpec/1.0 (guessing)';
    const myFailures = async (token: string) => {
      const res = await t.rest({ url: '/api/v1/audit-logs/me?limit=100', token });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Array<Record<string, unknown>>).filter(
        (e) => e.action === 'auth.login.failed',
      );
    };

    it('lists a wrong password against my account in GET /audit-logs/me with IP and user agent', async () => {
      const user = await registerUser(t);
      const ip = nextIp();
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: 'not my password at all' },
        headers: { 'x-forwarded-for': ip, 'user-agent': userAgent },
      });
      expect(res.statusCode).toBe(401);
      const [entry] = await eventually(async () => {
        const found = await myFailures(user.accessToken);
        expect(found).toHaveLength(1);
        return found;
      });
      expect(entry).toMatchObject({
        actorId: user.id,
        entityType: 'user',
        entityId: user.id,
        status: 'failure',
        ip,
        userAgent,
      });
    });

    it('lists it in myAuditLogs too, for a GraphQL login', async () => {
      const user = await registerUser(t);
      const ip = nextIp();
      await t.gql('mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', {
        variables: { input: { email: user.email, password: 'not my password at all' } },
        headers: { 'x-forwarded-for': ip, 'user-agent': userAgent },
      });
      const entries = await eventually(async () => {
        const res = await t.gql(
          '{ myAuditLogs { items { action actorId ip userAgent status } } }',
          {
            token: user.accessToken,
          },
        );
        const items = (res.json().data.myAuditLogs.items as Array<{ action: string }>).filter(
          (e) => e.action === 'auth.login.failed',
        );
        expect(items).toHaveLength(1);
        return items;
      });
      expect(entries[0]).toEqual({
        action: 'auth.login.failed',
        actorId: user.id,
        ip,
        userAgent,
        status: 'failure',
      });
    });

    it('keeps an unknown email actorless: the answer is the same, the row is for admins only', async () => {
      const user = await registerUser(t);
      const ghost = uniqueEmail('ghost');
      const known = await loginFrom(t, nextIp(), user.email, 'not my password at all');
      const unknown = await loginFrom(t, nextIp(), ghost, 'not my password at all');
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(unknown.json())).toEqual(strip(known.json()));
      const admin = await t.tokenFor({ roles: ['user', 'admin'] });
      const rows = await eventually(async () => {
        const res = await t.rest({
          url: '/api/v1/audit-logs?action=auth.login.failed&limit=100',
          token: admin,
        });
        const found = (res.json().items as Array<Record<string, unknown>>).filter(
          (e) => (e.newValues as { email?: string } | null)?.email === ghost,
        );
        expect(found).toHaveLength(1);
        return found;
      });
      expect(rows[0]).toMatchObject({ actorId: null, entityId: null, status: 'failure' });
    });
  });

  describe('per-account sign-in throttle, across IPs', () => {
    const failFromManyIps = async (email: string, times: number) => {
      for (let i = 0; i < times; i += 1) {
        const res = await loginFrom(t, nextIp(), email, 'not the password');
        expect(res.statusCode, res.body).toBe(401);
      }
    };
    const expectLocked = (res: {
      statusCode: number;
      headers: Record<string, unknown>;
      json(): { code: string };
    }) => {
      expect(res.statusCode).toBe(429);
      expect(res.json().code).toBe('RATE_LIMIT_EXCEEDED');
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
    };

    it('locks password sign-in from every IP after 5 failures spread over 5 IPs, before argon2', async () => {
      const user = await registerUser(t);
      const ghost = uniqueEmail('ghost');
      await failFromManyIps(user.email, 5);
      await failFromManyIps(ghost, 5);
      const verify = vi.spyOn(t.app.get(PasswordService), 'verify');
      try {
        // The right password, from an IP that never failed: locked all the same.
        const known = await loginFrom(t, nextIp(), user.email, STRONG_PASSWORD);
        const unknown = await loginFrom(t, nextIp(), ghost, STRONG_PASSWORD);
        expectLocked(known);
        expectLocked(unknown);
        const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
        expect(strip(known.json() as never)).toEqual(strip(unknown.json() as never));
        const gql = await t.gql(
          'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
          {
            variables: { input: { email: user.email, password: STRONG_PASSWORD } },
            headers: { 'x-forwarded-for': nextIp() },
          },
        );
        expect(gqlCode(gql.body)).toBe('RATE_LIMIT_EXCEEDED');
        const restore = await t.rest({
          method: 'POST',
          url: '/api/v1/auth/restore',
          payload: { email: user.email, password: STRONG_PASSWORD },
          headers: { 'x-forwarded-for': nextIp() },
        });
        expectLocked(restore);
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }
      // Another account is not concerned.
      const other = await registerUser(t);
      expect((await loginFrom(t, nextIp(), other.email, STRONG_PASSWORD)).statusCode).toBe(200);
    });

    it('a successful sign-in clears the account count', async () => {
      const user = await registerUser(t);
      await failFromManyIps(user.email, 4);
      expect((await loginFrom(t, nextIp(), user.email, STRONG_PASSWORD)).statusCode).toBe(200);
      await failFromManyIps(user.email, 4);
      expect((await loginFrom(t, nextIp(), user.email, STRONG_PASSWORD)).statusCode).toBe(200);
    });

    it('keeps the email + IP lock beside it (3 failures from one IP)', async () => {
      const user = await registerUser(t);
      const ip = nextIp();
      for (let i = 0; i < 3; i += 1) await loginFrom(t, ip, user.email, 'not the password');
      expectLocked(await loginFrom(t, ip, user.email, STRONG_PASSWORD));
      expect((await loginFrom(t, nextIp(), user.email, STRONG_PASSWORD)).statusCode).toBe(200);
    });
  });

  describe('account restore', () => {
    const restore = (payload: unknown, ip = nextIp()) =>
      t.rest({
        method: 'POST',
        url: '/api/v1/auth/restore',
        payload,
        headers: { 'x-forwarded-for': ip },
      });
    const RESTORE = `mutation R($input: RestoreAccountInput!) {
      restoreAccount(input: $input) { accessToken refreshToken user { id email } }
    }`;
    const deleted = async (): Promise<RegisteredUser> => {
      const user = await registerUser(t);
      await deleteAccount(t, user);
      return user;
    };
    const state = async (id: string) =>
      (
        await db.query(
          `SELECT u.deleted_at,
             (SELECT count(*)::int FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL)
               AS live_sessions
           FROM users u WHERE u.id = $1`,
          [id],
        )
      )[0] as { deleted_at: Date | null; live_sessions: number };
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

    it('login with the right password answers 403 ACCOUNT_DELETED (REST and GraphQL), no session', async () => {
      const user = await deleted();
      const rest = await loginFrom(t, nextIp(), user.email, user.password);
      expect(rest.statusCode, rest.body).toBe(403);
      expect(rest.json()).toMatchObject({ code: 'ACCOUNT_DELETED' });
      expect(rest.json().detail).toContain('POST /auth/restore');
      const gql = await t.gql(
        'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
        { variables: { input: { email: user.email, password: user.password } } },
      );
      expect(gqlCode(gql.body)).toBe('ACCOUNT_DELETED');
      expect(await state(user.id)).toMatchObject({ live_sessions: 0 });
      expect((await state(user.id)).deleted_at).not.toBeNull();
    });

    it('a wrong password on a deleted account answers 401 like an unknown email and writes nothing for the account', async () => {
      const user = await deleted();
      const ghost = uniqueEmail('ghost');
      for (const [url, email] of [
        ['/api/v1/auth/login', user.email],
        ['/api/v1/auth/restore', user.email],
      ]) {
        const wrong = await t.rest({
          method: 'POST',
          url: url!,
          payload: { email, password: 'not the password' },
          headers: { 'x-forwarded-for': nextIp() },
        });
        const unknown = await t.rest({
          method: 'POST',
          url: url!,
          payload: { email: ghost, password: 'not the password' },
          headers: { 'x-forwarded-for': nextIp() },
        });
        expect(wrong.statusCode).toBe(401);
        expect(strip(wrong.json())).toEqual(strip(unknown.json()));
      }
      expect(await state(user.id)).toMatchObject({ live_sessions: 0 });
      expect((await state(user.id)).deleted_at).not.toBeNull();
      // The attempts are recorded, naming nobody: the deleted account's log gains nothing.
      await eventually(async () => {
        const rows: Array<{ actor_id: string | null; entity_id: string | null }> = await db.query(
          `SELECT actor_id, entity_id FROM audit_log
           WHERE action = 'auth.login.failed' AND new_values->>'email' = $1`,
          [user.email],
        );
        expect(rows).toEqual([
          { actor_id: null, entity_id: null },
          { actor_id: null, entity_id: null },
        ]);
      });
      const [{ n }] = await db.query(
        `SELECT count(*)::int AS n FROM audit_log
         WHERE (actor_id = $1 OR entity_id = $1::text) AND action <> 'user.deleted'
           AND occurred_at > (SELECT deleted_at FROM users WHERE id = $1)`,
        [user.id],
      );
      expect(n).toBe(0);
    });

    it('restores over REST inside the window: a new session, audited, announced; login works again', async () => {
      const user = await deleted();
      const res = await restore({ email: user.email, password: user.password });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.user).toMatchObject({ id: user.id, email: user.email });
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await state(user.id)).toEqual({ deleted_at: null, live_sessions: 1 });
      const me = await t.rest({ url: '/api/v1/users/me', token: body.accessToken });
      expect(me.statusCode, me.body).toBe(200);
      // The sessions ended by the deletion stay ended.
      const old = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(old.statusCode).toBe(401);
      const lists = (url: string, item: Record<string, unknown>) =>
        eventually(async () => {
          const page = await t.rest({ url, token: body.accessToken });
          expect(page.json().items).toContainEqual(expect.objectContaining(item));
        });
      await lists('/api/v1/audit-logs/me?limit=100', {
        action: 'user.restored',
        actorId: user.id,
        status: 'success',
      });
      await lists('/api/v1/notifications?type=security_alert', {
        title: 'Your deleted account was restored',
      });
      expect((await loginFrom(t, nextIp(), user.email, user.password)).statusCode).toBe(200);
      // Restored once: a second restore finds a live account.
      const again = await restore({ email: user.email, password: user.password });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('CONFLICT');
    });

    it('an admin restores a deleted account (REST and GraphQL); live is 409, unknown 404', async () => {
      const token = await admin.signIn(t);
      const user = await deleted();
      const res = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/restore`,
        token,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: user.id, email: user.email });
      expect((await state(user.id)).deleted_at).toBeNull();
      expect((await loginFrom(t, nextIp(), user.email, user.password)).statusCode).toBe(200);
      const live = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/restore`,
        token,
      });
      expect(live.statusCode).toBe(409);
      const unknown = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${randomUUID()}/restore`,
        token,
      });
      expect(unknown.statusCode).toBe(404);

      const other = await deleted();
      const gql = await t.gql(
        'mutation R($id: ID!) { adminRestoreUser(userId: $id) { id email } }',
        { token, variables: { id: other.id } },
      );
      expect(gql.json().data.adminRestoreUser).toEqual({ id: other.id, email: other.email });
      expect((await state(other.id)).deleted_at).toBeNull();
      await eventually(async () => {
        const [row] = await db.query(
          `SELECT actor_id FROM audit_log WHERE action = 'user.restored' AND entity_id = $1`,
          [other.id],
        );
        expect(row?.actor_id).toBeDefined();
      });

      // A plain user may not.
      const plain = await registerUser(t);
      const forbidden = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/restore`,
        token: plain.accessToken,
      });
      expect(forbidden.statusCode).toBe(403);
    });

    it('restores over GraphQL (restoreAccount)', async () => {
      const user = await deleted();
      const res = await t.gql(RESTORE, {
        variables: { input: { email: user.email, password: user.password } },
      });
      expect(res.json().data.restoreAccount).toMatchObject({
        accessToken: expect.any(String),
        user: { id: user.id },
      });
      expect((await state(user.id)).deleted_at).toBeNull();
      const wrong = await t.gql(RESTORE, {
        variables: { input: { email: uniqueEmail('ghost'), password: user.password } },
      });
      expect(gqlCode(wrong.body)).toBe('UNAUTHENTICATED');
    });

    it('refuses a restore outside the window with 401, like an unknown email, and keeps it deleted', async () => {
      const user = await deleted();
      await db.query(`UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = $1`, [
        user.id,
      ]);
      const late = await restore({ email: user.email, password: user.password });
      const unknown = await restore({ email: uniqueEmail('ghost'), password: user.password });
      expect(late.statusCode).toBe(401);
      expect(strip(late.json())).toEqual(strip(unknown.json()));
      const signIn = await loginFrom(t, nextIp(), user.email, user.password);
      expect(signIn.statusCode).toBe(401);
      expect((await state(user.id)).deleted_at).not.toBeNull();
    });

    it('answers 409 for a live account with the right password, 401 with a wrong one; nothing changes', async () => {
      const user = await registerUser(t);
      const right = await restore({ email: user.email, password: user.password });
      expect(right.statusCode).toBe(409);
      expect(right.json()).toMatchObject({ code: 'CONFLICT' });
      const gql = await t.gql(RESTORE, {
        variables: { input: { email: user.email, password: user.password } },
      });
      expect(gqlCode(gql.body)).toBe('CONFLICT');
      const wrong = await restore({ email: user.email, password: 'not the password' });
      expect(wrong.statusCode).toBe(401);
      expect(await state(user.id)).toEqual({ deleted_at: null, live_sessions: 1 });
    });

    it('needs the second factor of a 2FA account: missing → OTP_REQUIRED, wrong → 401, a backup code → 200', async () => {
      const user = await registerUser(t);
      const post = (url: string, payload: unknown = {}) =>
        t.rest({ method: 'POST', url: `/api/v1/auth/${url}`, token: user.accessToken, payload });
      const { secret } = (await post('2fa/setup')).json() as { secret: string };
      const enabled = await post('2fa/enable', { code: totp(secret) });
      expect(enabled.statusCode, enabled.body).toBe(200);
      const [backupCode] = enabled.json().backupCodes as string[];
      await deleteAccount(t, user);

      const missing = await restore({ email: user.email, password: user.password });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().code).toBe('OTP_REQUIRED');
      const wrong = await restore({
        email: user.email,
        password: user.password,
        otp: 'aaaaa-bbbbb',
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().code).toBe('UNAUTHENTICATED');
      expect((await state(user.id)).deleted_at).not.toBeNull();
      const ok = await restore({ email: user.email, password: user.password, otp: backupCode });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await state(user.id)).deleted_at).toBeNull();
    });

    it.each([
      ['an empty body', {}],
      ['a bad email', { email: 'not-an-email', password: STRONG_PASSWORD }],
      ['an unknown field', { email: 'a@example.com', password: STRONG_PASSWORD, admin: true }],
      [
        'an over-long otp',
        { email: 'a@example.com', password: STRONG_PASSWORD, otp: '1'.repeat(21) },
      ],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, payload) => {
      const res = await restore(payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('is under the strict rate limit and documented with its errors', async () => {
      const doc = (await t.rest({ url: '/docs-json' })).json() as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      const op = doc.paths['/api/v1/auth/restore']!.post!;
      expect(Object.keys(op.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '403', '409', '429']),
      );
      // One strict budget for the REST route and its GraphQL twin.
      const reflector = t.app.get(Reflector);
      const rest = rateLimitOf(reflector, [AuthController.prototype.restore, AuthController]);
      const gql = rateLimitOf(reflector, [AuthResolver.prototype.restoreAccount, AuthResolver]);
      expect(rest).toEqual({ name: 'strict', bucket: 'Auth.restore' });
      expect(gql).toEqual(rest);
      const loginOp = doc.paths['/api/v1/auth/login']!.post!;
      expect(JSON.stringify(loginOp.responses['403'])).toContain('ACCOUNT_DELETED');
    });
  });

  describe('daily purge (accounts-purge-daily)', () => {
    const purge = () =>
      t.app
        .get(AccountsWorker)
        .handle({}, { name: 'accounts-purge', id: randomUUID() } as unknown as Job);

    it('is scheduled daily in worker processes', async () => {
      const queue = t.app.get<Queue>(getQueueToken('accounts'));
      const scheduler = await registeredScheduler(queue, 'accounts-purge-daily');
      expect(scheduler).toMatchObject({ name: 'accounts-purge', pattern: '47 3 * * *' });
    });

    it('deletes, in batches of 1000, ended sessions past the retention, rotated tokens of ended sessions and spent tokens', async () => {
      const user = await registerUser(t);
      const session = async (label: string, sql: string) => {
        const id = randomUUID();
        await db.query(
          `INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at,
             expires_at, absolute_expires_at, revoked_at, revoked_reason)
           SELECT $1, $2, $3, now() - interval '60 days', now() - interval '60 days', ${sql}`,
          [id, user.id, randomBytes(32).toString('hex')],
        );
        return { label, id };
      };
      const live = await session(
        'live',
        `now() + interval '1 day', now() + interval '9 days', NULL, NULL`,
      );
      const recentlyRevoked = await session(
        'recentlyRevoked',
        `now() + interval '1 day', now() + interval '9 days', now() - interval '5 days', 'logout'`,
      );
      const recentlyExpired = await session(
        'recentlyExpired',
        `now() - interval '5 days', now() + interval '9 days', NULL, NULL`,
      );
      const oldRevoked = await session(
        'oldRevoked',
        `now() + interval '1 day', now() + interval '9 days', now() - interval '31 days', 'logout'`,
      );
      const oldExpired = await session(
        'oldExpired',
        `now() - interval '31 days', now() + interval '9 days', NULL, NULL`,
      );
      // 1500 rotated tokens of an ended session (two batches), 3 of the live one.
      const rotate = (sessionId: string, n: number) =>
        db.query(
          `INSERT INTO rotated_refresh_tokens (token_hash, session_id)
           SELECT md5(random()::text || g) || md5(random()::text || g), $1
           FROM generate_series(1, $2) g`,
          [sessionId, n],
        );
      await rotate(recentlyRevoked.id, 1500);
      await rotate(recentlyExpired.id, 2);
      await rotate(live.id, 3);
      const token = (sql: string) =>
        db.query(
          `INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at, used_at)
           VALUES ($1, 'verify_email', $2, ${sql}) RETURNING id`,
          [user.id, randomBytes(32).toString('hex')],
        );
      const [[usable], [used], [expired]] = await Promise.all([
        token(`now() + interval '1 day', NULL`),
        token(`now() + interval '1 day', now()`),
        token(`now() - interval '1 minute', NULL`),
      ]);

      const counts = (await purge()) as Record<string, number>;
      expect(counts.rotatedRefreshTokens).toBeGreaterThanOrEqual(1502);
      expect(counts.sessions).toBeGreaterThanOrEqual(2);
      expect(counts.userTokens).toBeGreaterThanOrEqual(2);

      const sessions: Array<{ id: string }> = await db.query(
        'SELECT id FROM sessions WHERE id = ANY($1::uuid[]) ORDER BY id',
        [[live, recentlyRevoked, recentlyExpired, oldRevoked, oldExpired].map((s) => s.id)],
      );
      expect(sessions.map((s) => s.id)).toEqual(
        [live.id, recentlyRevoked.id, recentlyExpired.id].sort(),
      );
      const rotated: Array<{ session_id: string; n: number }> = await db.query(
        `SELECT session_id, count(*)::int AS n FROM rotated_refresh_tokens
         WHERE session_id = ANY($1::uuid[]) GROUP BY session_id`,
        [[live.id, recentlyRevoked.id, recentlyExpired.id]],
      );
      expect(rotated).toEqual([{ session_id: live.id, n: 3 }]);
      const tokens: Array<{ id: string }> = await db.query(
        'SELECT id FROM user_tokens WHERE id = ANY($1::uuid[])',
        [[usable.id, used.id, expired.id]],
      );
      expect(tokens).toEqual([{ id: usable.id }]);

      // Nothing left to do: a second run deletes none of these.
      const again = (await purge()) as Record<string, number>;
      expect(again.rotatedRefreshTokens).toBe(0);
    });
  });

  it('logins_total lists every result label it uses in its help text', async () => {
    await loginFrom(t, nextIp(), uniqueEmail('ghost'), 'not the password');
    const text = (await t.rest({ url: '/metrics' })).body;
    const help = /# HELP logins_total (.*)/.exec(text)?.[1] ?? '';
    const used = [...text.matchAll(/logins_total\{result="([a-z_]+)"\}/g)].map((m) => m[1]!);
    expect(used).toContain('failure');
    for (const result of new Set(used)) expect(help).toContain(result);
    for (const result of ['success', 'failure', 'locked', 'deleted', 'restored', 'otp_required']) {
      expect(help).toContain(result);
    }
  });
});
