import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionsService } from '../../src/core/auth/permissions.service.js';
import { bootApp, type TestApp } from '../support/app.js';
import {
  login,
  registerUser,
  type RegisteredUser,
  uniqueEmail,
  FAST_AUTH,
} from '../factories/user.factory.js';

const ADMIN_PASSWORD = 'the admin users passphrase';

const USER_FIELDS =
  'id email status roles firstName lastName bio emailVerified banReason bannedUntil';

describe('admin users', () => {
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  let adminId: string;
  const adminEmail = uniqueEmail('admin');
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];

  beforeAll(async () => {
    t = await bootApp({
      env: { ...FAST_AUTH, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    t.app.get(EventEmitter2).onAny((name, payload) => {
      events.push({ name: String(name), payload: payload as Record<string, unknown> });
    });
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
    adminId = (await t.rest({ url: '/api/v1/users/me', token: adminToken })).json().id;
  });
  afterAll(() => t.close());

  const admin = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    token = adminToken,
  ) => t.rest({ method, url: `/api/v1/admin/users${url}`, payload, token });
  const gql = (query: string, variables?: Record<string, unknown>, token = adminToken) =>
    t.gql(query, { variables, token });
  const userRow = async (id: string) =>
    (await db.query('SELECT * FROM users WHERE id = $1', [id]))[0] as Record<string, unknown>;
  const rolesOf = async (id: string) =>
    (
      (await db.query(
        'SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY r.name',
        [id],
      )) as Array<{ name: string }>
    ).map((r) => r.name);
  const tokenRoles = (token: string): string[] =>
    JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).roles;
  const refresh = (refreshToken: string) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const loginStatus = async (user: RegisteredUser) =>
    (
      await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      })
    ).statusCode;
  const emitted = (name: string, userId: string) =>
    events.filter((e) => e.name === name && e.payload.userId === userId);

  /** Users sharing a fresh tag, registered in order, so a `q` filter isolates them. */
  async function tagged(count: number) {
    const tag = `t${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const users: RegisteredUser[] = [];
    for (let i = 0; i < count; i++) {
      users.push(await registerUser(t, { email: `${tag}${'abcdefghij'[i]}@example.com` }));
    }
    return { tag, users };
  }

  describe('permissions', () => {
    it('the admin role holds the seeded permissions; the map is data, reloaded on refresh()', async () => {
      const permissions = t.app.get(PermissionsService);
      expect([...(await permissions.forRoles(['admin']))].sort()).toEqual(
        expect.arrayContaining(['users.read', 'users.manage', 'roles.assign', 'health.details']),
      );
      expect((await permissions.forRoles(['user'])).size).toBe(0);
      await db.query(`INSERT INTO roles (name) VALUES ('support') ON CONFLICT DO NOTHING;`);
      await db.query(
        `INSERT INTO role_permissions (role_id, permission_id)
         SELECT r.id, p.id FROM roles r, permissions p WHERE r.name = 'support' AND p.name = 'users.read'
         ON CONFLICT DO NOTHING`,
      );
      await permissions.refresh();
      const support = await t.tokenFor({ roles: ['user', 'support'] });
      expect((await admin('GET', '', undefined, support)).statusCode).toBe(200);
      const ban = await admin('POST', `/${randomUUID()}/ban`, { reason: 'x' }, support);
      expect(ban.statusCode).toBe(403);
      expect(ban.json().code).toBe('FORBIDDEN');
    });

    it('a plain user gets 403 FORBIDDEN on every admin route (REST and GraphQL) and nothing changes', async () => {
      const target = await registerUser(t);
      const plain = await registerUser(t);
      const before = await userRow(target.id);
      const id = target.id;
      const calls: Array<[Parameters<typeof admin>[0], string, unknown?]> = [
        ['GET', ''],
        ['PATCH', `/${id}`, { firstName: 'Hacked' }],
        ['POST', `/${id}/ban`, { reason: 'no' }],
        ['POST', `/${id}/unban`],
        ['POST', `/${id}/roles`, { role: 'admin' }],
        ['DELETE', `/${id}/roles/user`],
        ['POST', '/bulk/ban', { userIds: [id], reason: 'no' }],
        ['POST', '/bulk/roles', { userIds: [id], role: 'admin', action: 'assign' }],
      ];
      for (const [method, url, payload] of calls) {
        const res = await admin(method, url, payload, plain.accessToken);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
      }
      const mutations = [
        `query { users { totalCount } }`,
        `mutation { adminUpdateUser(id: "${id}", input: { firstName: "Hacked" }) { id } }`,
        `mutation { adminBanUser(input: { userId: "${id}", reason: "no" }) { id } }`,
        `mutation { adminUnbanUser(userId: "${id}") { id } }`,
        `mutation { adminAssignRole(input: { userId: "${id}", role: "admin" }) { id } }`,
        `mutation { adminRevokeRole(input: { userId: "${id}", role: "user" }) { id } }`,
        `mutation { adminBulkBan(input: { userIds: ["${id}"], reason: "no" }) { updated } }`,
        `mutation { adminBulkRoles(input: { userIds: ["${id}"], role: "admin", action: "assign" }) { updated } }`,
      ];
      for (const query of mutations) {
        const res = await gql(query, undefined, plain.accessToken);
        expect(res.json().errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
      }
      expect(await userRow(target.id)).toEqual(before);
      expect(await rolesOf(target.id)).toEqual(['user']);
      const anonymous = await t.rest({ url: '/api/v1/admin/users' });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('list', () => {
    it('pages through a search with keyset cursors: stable totals, no duplicates, every sort', async () => {
      const { tag, users } = await tagged(5);
      const emails = users.map((u) => u.email);
      const expected: Record<string, string[]> = {
        createdAt: emails,
        '-createdAt': [...emails].reverse(),
        email: [...emails].sort(),
        '-email': [...emails].sort().reverse(),
      };
      for (const [sort, order] of Object.entries(expected)) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query = new URLSearchParams({ q: tag, sort, limit: '2' });
          if (cursor) query.set('cursor', cursor);
          const res = await admin('GET', `?${query}`);
          expect(res.statusCode, res.body).toBe(200);
          const body = res.json();
          expect(body.totalCount).toBe(5);
          expect(body.items.length).toBeLessThanOrEqual(2);
          seen.push(...body.items.map((u: { email: string }) => u.email));
          cursor = body.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect(pages).toBe(3);
        expect(seen).toEqual(order);
      }
    });

    it('pages through GraphQL users(filter, page, sort)', async () => {
      const { tag, users } = await tagged(3);
      const query = `query U($filter: AdminUsersFilter, $page: PageInput, $sort: String) {
        users(filter: $filter, page: $page, sort: $sort) { totalCount nextCursor items { email status roles } } }`;
      const first = await gql(query, { filter: { q: tag }, page: { limit: 2 }, sort: 'email' });
      expect(first.json().errors).toBeUndefined();
      const page1 = first.json().data.users;
      expect(page1.totalCount).toBe(3);
      expect(page1.items).toHaveLength(2);
      const second = await gql(query, {
        filter: { q: tag },
        page: { limit: 2, cursor: page1.nextCursor },
        sort: 'email',
      });
      const page2 = second.json().data.users;
      expect(page2).toMatchObject({ totalCount: 3, nextCursor: null });
      expect([...page1.items, ...page2.items].map((u: { email: string }) => u.email)).toEqual(
        users.map((u) => u.email).sort(),
      );
      expect(page1.items[0]).toMatchObject({ status: 'unverified', roles: ['user'] });
      const bad = await gql(query, { page: { limit: 101 } });
      expect(bad.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const badSort = await gql(query, { sort: 'password' });
      expect(badSort.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('defaults to 20 items, newest first', async () => {
      const res = await admin('GET', '');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(20);
      const times = body.items.map((u: { createdAt: string }) => Date.parse(u.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(body.items[0]).not.toHaveProperty('passwordHash');
    });

    it('refuses a malformed cursor, a cursor of another sort, limit 101 and unknown parameters (400)', async () => {
      const { tag } = await tagged(3);
      const first = (await admin('GET', `?q=${tag}&limit=1&sort=email`)).json();
      for (const url of [
        '?cursor=not-a-cursor',
        `?cursor=${first.nextCursor}x`,
        `?cursor=${first.nextCursor}&sort=-createdAt`,
        `?cursor=${Buffer.from('{"id":1}').toString('base64url')}`,
        '?limit=101',
        '?limit=0',
        '?limit=abc',
        '?sort=password',
        '?status=sleeping',
        `?q=${'x'.repeat(101)}`,
        '?registeredAfter=yesterday',
        '?offset=10',
      ]) {
        const res = await admin('GET', url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
      }
    });

    it('filters by role, status, registration date and text, taking % and _ literally', async () => {
      const { tag, users } = await tagged(5);
      const [verified, banned, deleted, plain, promoted] = users;
      await db.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [verified.id]);
      await admin('POST', `/${banned.id}/ban`, { reason: 'spam' });
      await db.query('UPDATE users SET deleted_at = now() WHERE id = $1', [deleted.id]);
      await admin('POST', `/${promoted.id}/roles`, { role: 'admin' });
      const ids = async (query: string) =>
        (await admin('GET', `?q=${tag}&limit=100&${query}`))
          .json()
          .items.map((u: { id: string }) => u.id)
          .sort();
      const sorted = (...list: RegisteredUser[]) => list.map((u) => u.id).sort();

      expect(await ids('')).toEqual(sorted(verified, banned, plain, promoted));
      expect(await ids('status=active')).toEqual(sorted(verified));
      expect(await ids('status=banned')).toEqual(sorted(banned));
      expect(await ids('status=unverified')).toEqual(sorted(plain, promoted));
      expect(await ids('status=deleted')).toEqual(sorted(deleted));
      expect(await ids('role=admin')).toEqual(sorted(promoted));
      expect(await ids('role=nobody')).toEqual([]);

      const created = (await userRow(plain.id)).created_at as Date;
      expect(await ids(`registeredAfter=${encodeURIComponent(created.toISOString())}`)).toEqual(
        sorted(plain, promoted),
      );
      expect(await ids(`registeredBefore=${encodeURIComponent(created.toISOString())}`)).toEqual(
        sorted(verified, banned),
      );
      expect(await ids('registeredAfter=2999-01-01T00:00:00Z')).toEqual([]);

      // Literal wildcards: `_` and `%` match themselves only.
      await admin('PATCH', `/${verified.id}`, { lastName: `${tag}_%z` });
      await admin('PATCH', `/${plain.id}`, { lastName: `${tag}ab z` });
      const search = async (q: string) =>
        (await admin('GET', `?q=${encodeURIComponent(q)}`))
          .json()
          .items.map((u: { id: string }) => u.id);
      expect(await search(`${tag}_%`)).toEqual([verified.id]);
      expect(await search(`${tag}_`)).toEqual([verified.id]);
      expect(await search('%')).not.toContain(plain.id);
      expect(await search(users[4].email.toUpperCase())).toEqual([promoted.id]);
      const gqlRes = await gql(
        `query($f: AdminUsersFilter) { users(filter: $f) { totalCount items { id } } }`,
        { f: { q: tag, status: 'banned' } },
      );
      expect(gqlRes.json().data.users).toEqual({ totalCount: 1, items: [{ id: banned.id }] });
    });
  });

  describe('update', () => {
    it('PATCH edits the profile and email verification, emitting user.updated', async () => {
      const user = await registerUser(t);
      const res = await admin('PATCH', `/${user.id}`, {
        firstName: 'Grace',
        bio: 'Admiral',
        emailVerified: true,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        firstName: 'Grace',
        bio: 'Admiral',
        emailVerified: true,
        status: 'active',
      });
      expect(emitted('user.updated', user.id)[0].payload.fields).toEqual([
        'firstName',
        'bio',
        'emailVerified',
      ]);
      const unknown = await admin('PATCH', `/${user.id}`, { email: 'x@example.com' });
      expect(unknown.statusCode).toBe(400);
    });

    it('adminUpdateUser(id, input) through GraphQL', async () => {
      const user = await registerUser(t);
      const res = await gql(
        `mutation($id: ID!, $input: AdminUpdateUserInput!) { adminUpdateUser(id: $id, input: $input) { ${USER_FIELDS} } }`,
        { id: user.id, input: { lastName: 'Hopper', emailVerified: false } },
      );
      expect(res.json().errors).toBeUndefined();
      expect(res.json().data.adminUpdateUser).toMatchObject({
        lastName: 'Hopper',
        emailVerified: false,
      });
    });

    it('answers 404 NOT_FOUND for an unknown or deleted user, 400 for a malformed id', async () => {
      const gone = await registerUser(t);
      await db.query('UPDATE users SET deleted_at = now() WHERE id = $1', [gone.id]);
      for (const id of [randomUUID(), 'not-a-uuid', gone.id]) {
        for (const [method, url, payload] of [
          ['PATCH', `/${id}`, { firstName: 'X' }],
          ['POST', `/${id}/ban`, { reason: 'x' }],
          ['POST', `/${id}/unban`, undefined],
          ['POST', `/${id}/roles`, { role: 'admin' }],
          ['DELETE', `/${id}/roles/admin`, undefined],
        ] as const) {
          const res = await admin(method, url, payload);
          const malformed = id === 'not-a-uuid';
          expect(res.statusCode, `${method} ${url}`).toBe(malformed ? 400 : 404);
          expect(res.json().code).toBe(malformed ? 'VALIDATION_FAILED' : 'NOT_FOUND');
        }
      }
      const res = await gql(`mutation { adminUnbanUser(userId: "${randomUUID()}") { id } }`);
      expect(res.json().errors[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  describe('ban', () => {
    it('bans: sessions revoked, login 403, refresh 401; unban lets the user back in', async () => {
      const user = await registerUser(t);
      const res = await admin('POST', `/${user.id}/ban`, { reason: 'Spamming the forum' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        id: user.id,
        status: 'banned',
        banReason: 'Spamming the forum',
        bannedUntil: null,
      });
      const active = await db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [user.id],
      );
      expect(active[0].n).toBe(0);
      expect(await loginStatus(user)).toBe(403);
      expect((await refresh(user.refreshToken)).statusCode).toBe(401);
      expect(emitted('user.banned', user.id)[0].payload).toMatchObject({
        reason: 'Spamming the forum',
        until: null,
      });

      const unban = await admin('POST', `/${user.id}/unban`);
      expect(unban.statusCode).toBe(200);
      expect(unban.json()).toMatchObject({ status: 'unverified', banReason: null });
      expect(await loginStatus(user)).toBe(200);
      expect(emitted('user.unbanned', user.id)).toHaveLength(1);
    });

    it('a temporary ban ends by itself; until must be a future date', async () => {
      const user = await registerUser(t);
      const until = new Date(Date.now() + 3600_000).toISOString();
      const res = await admin('POST', `/${user.id}/ban`, { reason: 'Cool off', until });
      expect(res.json()).toMatchObject({ status: 'banned', bannedUntil: until });
      expect(emitted('user.banned', user.id)[0].payload.until).toBe(until);
      expect(await loginStatus(user)).toBe(403);
      await db.query("UPDATE users SET banned_until = now() - interval '1 second' WHERE id = $1", [
        user.id,
      ]);
      expect(await loginStatus(user)).toBe(200);

      for (const body of [
        { reason: 'x', until: new Date(Date.now() - 1000).toISOString() },
        { reason: 'x', until: 'tomorrow' },
        { reason: '' },
        { reason: 'x'.repeat(501) },
        {},
      ]) {
        const bad = await admin('POST', `/${user.id}/ban`, body);
        expect(bad.statusCode, JSON.stringify(body)).toBe(400);
        expect(bad.json().code).toBe('VALIDATION_FAILED');
      }
    });

    it('admins cannot ban themselves (400)', async () => {
      const res = await admin('POST', `/${adminId}/ban`, { reason: 'oops' });
      expect(res.statusCode).toBe(400);
      const bulk = await admin('POST', '/bulk/ban', { userIds: [adminId], reason: 'oops' });
      expect(bulk.statusCode).toBe(400);
      const g = await gql(
        `mutation { adminBanUser(input: { userId: "${adminId}", reason: "x" }) { id } }`,
      );
      expect(g.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await userRow(adminId)).banned_at).toBeNull();
    });

    it('adminBanUser and adminUnbanUser through GraphQL', async () => {
      const user = await registerUser(t);
      const ban = await gql(
        `mutation($input: AdminBanUserInput!) { adminBanUser(input: $input) { ${USER_FIELDS} } }`,
        { input: { userId: user.id, reason: 'GraphQL ban' } },
      );
      expect(ban.json().errors).toBeUndefined();
      expect(ban.json().data.adminBanUser).toMatchObject({
        status: 'banned',
        banReason: 'GraphQL ban',
      });
      expect(await loginStatus(user)).toBe(403);
      const unban = await gql(`mutation($id: ID!) { adminUnbanUser(userId: $id) { status } }`, {
        id: user.id,
      });
      expect(unban.json().data.adminUnbanUser.status).toBe('unverified');
      expect(await loginStatus(user)).toBe(200);
    });

    it('bulk ban (REST and GraphQL) bans the users that exist and revokes their sessions', async () => {
      const [a, b, c] = [await registerUser(t), await registerUser(t), await registerUser(t)];
      const res = await admin('POST', '/bulk/ban', {
        userIds: [a.id, b.id, randomUUID()],
        reason: 'Bot ring',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ updated: 2 });
      expect(await loginStatus(a)).toBe(403);
      expect((await refresh(b.refreshToken)).statusCode).toBe(401);
      expect(emitted('user.banned', a.id)).toHaveLength(1);
      const g = await gql(
        `mutation($input: AdminBulkBanInput!) { adminBulkBan(input: $input) { updated } }`,
        { input: { userIds: [c.id], reason: 'Bot ring' } },
      );
      expect(g.json().data.adminBulkBan).toEqual({ updated: 1 });
      expect(await loginStatus(c)).toBe(403);
      for (const userIds of [[], ['nope'], Array.from({ length: 101 }, () => randomUUID())]) {
        const bad = await admin('POST', '/bulk/ban', { userIds, reason: 'x' });
        expect(bad.statusCode).toBe(400);
      }
    });
  });

  describe('roles', () => {
    it('assign and revoke show in a fresh login token and /users/me, with events', async () => {
      const user = await registerUser(t);
      const res = await admin('POST', `/${user.id}/roles`, { role: 'admin' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().roles).toEqual(['admin', 'user']);
      let tokens = await login(t, user.email, user.password);
      expect(tokenRoles(tokens.accessToken)).toEqual(['admin', 'user']);
      const me = await t.rest({ url: '/api/v1/users/me', token: tokens.accessToken });
      expect(me.json().roles).toEqual(['admin', 'user']);
      expect((await admin('GET', '?limit=1', undefined, tokens.accessToken)).statusCode).toBe(200);
      expect(emitted('user.role.assigned', user.id)[0].payload.role).toBe('admin');

      const revoke = await admin('DELETE', `/${user.id}/roles/admin`);
      expect(revoke.statusCode).toBe(200);
      expect(revoke.json().roles).toEqual(['user']);
      tokens = await login(t, user.email, user.password);
      expect(tokenRoles(tokens.accessToken)).toEqual(['user']);
      expect((await admin('GET', '', undefined, tokens.accessToken)).statusCode).toBe(403);
      expect(emitted('user.role.revoked', user.id)[0].payload.role).toBe('admin');
    });

    it('adminAssignRole and adminRevokeRole through GraphQL', async () => {
      const user = await registerUser(t);
      const assign = await gql(
        `mutation($input: AdminRoleInput!) { adminAssignRole(input: $input) { roles } }`,
        { input: { userId: user.id, role: 'admin' } },
      );
      expect(assign.json().data.adminAssignRole.roles).toEqual(['admin', 'user']);
      const revoke = await gql(
        `mutation($input: AdminRoleInput!) { adminRevokeRole(input: $input) { roles } }`,
        { input: { userId: user.id, role: 'admin' } },
      );
      expect(revoke.json().data.adminRevokeRole.roles).toEqual(['user']);
      expect(await rolesOf(user.id)).toEqual(['user']);
    });

    it('refuses unknown roles (400) and removing your own admin role (400)', async () => {
      const user = await registerUser(t);
      const unknown = await admin('POST', `/${user.id}/roles`, { role: 'wizard' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().code).toBe('VALIDATION_FAILED');
      expect((await admin('DELETE', `/${user.id}/roles/wizard`)).statusCode).toBe(400);
      const self = await admin('DELETE', `/${adminId}/roles/admin`);
      expect(self.statusCode).toBe(400);
      const selfBulk = await admin('POST', '/bulk/roles', {
        userIds: [adminId],
        role: 'admin',
        action: 'revoke',
      });
      expect(selfBulk.statusCode).toBe(400);
      const g = await gql(
        `mutation { adminRevokeRole(input: { userId: "${adminId}", role: "admin" }) { id } }`,
      );
      expect(g.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await rolesOf(adminId)).toEqual(['admin', 'user']);
    });

    it('bulk roles assign and revoke (REST and GraphQL), counting users that changed', async () => {
      const [a, b] = [await registerUser(t), await registerUser(t)];
      const assign = await admin('POST', '/bulk/roles', {
        userIds: [a.id, b.id],
        role: 'admin',
        action: 'assign',
      });
      expect(assign.statusCode, assign.body).toBe(200);
      expect(assign.json()).toEqual({ updated: 2 });
      expect(await rolesOf(b.id)).toEqual(['admin', 'user']);
      const again = await admin('POST', '/bulk/roles', {
        userIds: [a.id],
        role: 'admin',
        action: 'assign',
      });
      expect(again.json()).toEqual({ updated: 0 });
      const g = await gql(
        `mutation($input: AdminBulkRolesInput!) { adminBulkRoles(input: $input) { updated } }`,
        { input: { userIds: [a.id, b.id], role: 'admin', action: 'revoke' } },
      );
      expect(g.json().data.adminBulkRoles).toEqual({ updated: 2 });
      expect(await rolesOf(a.id)).toEqual(['user']);
      expect(emitted('user.role.revoked', b.id)).toHaveLength(1);
      const bad = await admin('POST', '/bulk/roles', {
        userIds: [a.id],
        role: 'admin',
        action: 'toggle',
      });
      expect(bad.statusCode).toBe(400);
      const unknownRole = await admin('POST', '/bulk/roles', {
        userIds: [a.id],
        role: 'wizard',
        action: 'assign',
      });
      expect(unknownRole.statusCode).toBe(400);
    });
  });
});
