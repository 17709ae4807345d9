import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminUsersService } from '../../src/modules/auth/admin/admin-users.service.js';
import { bootApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { login, registerUser, uniqueEmail, FAST_AUTH } from '../factories/user.factory.js';

const ADMIN_PASSWORD = 'the audit admin passphrase';
const ENTRY = 'id action actorId entityId status requestId description newValues';

describe('audit log', () => {
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  const adminEmail = uniqueEmail('audit-admin');
  const events: Array<{ name: string; requestId?: string }> = [];

  beforeAll(async () => {
    t = await bootApp({
      env: { ...FAST_AUTH, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    t.app.get(EventEmitter2).onAny((name, payload) => {
      const meta = (payload as { meta?: { requestId?: string } } | undefined)?.meta;
      events.push({ name: String(name), requestId: meta?.requestId });
    });
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const rowsFor = async (requestId: string) =>
    (await db.query('SELECT * FROM audit_log WHERE request_id = $1', [requestId])) as Array<
      Record<string, unknown>
    >;
  const post = (url: string, payload: unknown, requestId: string, token?: string) =>
    t.rest({ method: 'POST', url, payload, token, headers: { 'x-request-id': requestId } });
  const gql = (query: string, variables?: Record<string, unknown>, token = adminToken) =>
    t.gql(query, { variables, token });

  it('records every auth event of a session once, with its request id, and no secrets', async () => {
    const email = uniqueEmail('audited');
    const password = 'a long audited passphrase';
    const newPassword = 'another long audited passphrase';
    const ids = Array.from({ length: 6 }, () => `audit-${randomUUID()}`);

    const reg = await post('/api/v1/auth/register', { email, password }, ids[0]);
    expect(reg.statusCode, reg.body).toBe(201);
    const userId = reg.json().user.id as string;
    const ok = await post('/api/v1/auth/login', { email, password }, ids[1]);
    expect(ok.statusCode, ok.body).toBe(200);
    const bad = await post('/api/v1/auth/login', { email, password: 'wrong passphrase!' }, ids[2]);
    expect(bad.statusCode).toBe(401);
    const refreshed = await post(
      '/api/v1/auth/refresh',
      { refreshToken: ok.json().refreshToken },
      ids[3],
    );
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const changed = await post(
      '/api/v1/users/me/password',
      { currentPassword: password, newPassword },
      ids[4],
      refreshed.json().accessToken,
    );
    expect(changed.statusCode, changed.body).toBeLessThan(300);
    const fresh = await login(t, email, newPassword);
    const out = await post(
      '/api/v1/auth/logout',
      { refreshToken: fresh.refreshToken },
      ids[5],
      fresh.accessToken,
    );
    expect(out.statusCode, out.body).toBe(204);

    const expected = [
      'auth.registered',
      'auth.login.succeeded',
      'auth.login.failed',
      'auth.password.changed',
      'auth.logout',
    ];
    for (const requestId of ids) {
      const emitted = events.filter((e) => e.requestId === requestId).map((e) => e.name);
      await eventually(async () => {
        const rows = await rowsFor(requestId);
        expect(rows.map((r) => r.action).sort()).toEqual([...emitted].sort());
      });
    }
    const all = ids.flatMap((id) => events.filter((e) => e.requestId === id).map((e) => e.name));
    expect(all).toEqual(expect.arrayContaining(expected));

    const [failed] = await rowsFor(ids[2]);
    expect(failed).toMatchObject({ status: 'failure', action: 'auth.login.failed' });
    expect((failed.new_values as Record<string, unknown>).email).toBe(email);
    const [registered] = await rowsFor(ids[0]);
    expect(registered).toMatchObject({
      status: 'success',
      actor_id: userId,
      entity_type: 'user',
      entity_id: userId,
    });

    const raw: Array<{ text: string }> = await db.query(
      "SELECT string_agg(a::text, E'\\n') AS text FROM audit_log a",
    );
    for (const secret of [
      password,
      newPassword,
      'wrong passphrase!',
      ok.json().accessToken,
      ok.json().refreshToken,
      refreshed.json().refreshToken,
      fresh.accessToken,
      fresh.refreshToken,
      TEST_JWT_SECRET,
      ADMIN_PASSWORD,
    ]) {
      expect(raw[0].text).not.toContain(secret);
    }

    // The activity summary over both transports.
    const activity = await t.rest({
      url: `/api/v1/admin/users/${userId}/activity`,
      token: adminToken,
    });
    expect(activity.statusCode, activity.body).toBe(200);
    const body = activity.json();
    expect(body.failedLoginsLast24h).toBe(1);
    expect(body.lastLoginAt).toEqual(expect.any(String));
    expect(body.countsByAction).toEqual(
      expect.arrayContaining([
        { action: 'auth.login.succeeded', count: 3 },
        { action: 'auth.registered', count: 1 },
      ]),
    );
    const g = await gql(
      'query($id: ID!) { userActivity(userId: $id) { failedLoginsLast24h lastLoginIp countsByAction { action count } } }',
      { id: userId },
    );
    expect(g.json().data.userActivity).toMatchObject({
      failedLoginsLast24h: 1,
      lastLoginIp: body.lastLoginIp,
    });
  });

  it('lets admins search with filters and keyset pages, on REST and GraphQL', async () => {
    const user = await registerUser(t);
    // Registering signs in once too: four sign-ins in all.
    for (let i = 0; i < 3; i++) await login(t, user.email, user.password);
    const filter = `actorId=${user.id}&action=auth.login`;
    await eventually(async () => {
      const res = await t.rest({ url: `/api/v1/audit-logs?${filter}`, token: adminToken });
      expect(res.json().totalCount).toBe(4);
    });
    const first = await t.rest({ url: `/api/v1/audit-logs?${filter}&limit=3`, token: adminToken });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(3);
    expect(page1.items[0].id).toMatch(/^\d+$/);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await t.rest({
      url: `/api/v1/audit-logs?${filter}&limit=3&cursor=${page1.nextCursor}`,
      token: adminToken,
    });
    const page2 = second.json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const ids = [...page1.items, ...page2.items].map((e: { id: string }) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));

    const text = await t.rest({
      url: `/api/v1/audit-logs?actorId=${user.id}&q=${encodeURIComponent('Signed %')}`,
      token: adminToken,
    });
    expect(text.json().totalCount).toBe(0);
    const status = await t.rest({
      url: `/api/v1/audit-logs?entityType=user&entityId=${user.id}&status=success&action=auth.registered`,
      token: adminToken,
    });
    expect(status.json().totalCount).toBe(1);

    const g = await gql(
      `query($f: AuditLogFilter, $p: PageInput) { auditLogs(filter: $f, page: $p) { totalCount nextCursor items { ${ENTRY} } } }`,
      { f: { actorId: user.id, action: 'auth.login', q: 'signed' }, p: { limit: 5 } },
    );
    expect(g.json().data.auditLogs.totalCount).toBe(4);
    expect(g.json().data.auditLogs.items[0].action).toBe('auth.login.succeeded');
  });

  it("resolves each entry's actor in one query per page (GraphQL DataLoader, REST expand=actor)", async () => {
    const users = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
    const ids = users.map((u) => u.id);
    await eventually(async () => {
      const [{ n }] = await db.query(
        'SELECT count(DISTINCT actor_id)::int AS n FROM audit_log WHERE actor_id = ANY($1::uuid[])',
        [ids],
      );
      expect(n).toBe(3);
    });
    const service = t.app.get(AdminUsersService);
    const spy = vi.spyOn(service, 'summaries');
    try {
      const res = await gql(
        `{ auditLogs(page: { limit: 100 }) { items { actorId actor { id email username } } } }`,
      );
      const items = res.json().data.auditLogs.items as Array<{
        actorId: string | null;
        actor: { id: string; email: string } | null;
      }>;
      for (const user of users) {
        const entry = items.find((e) => e.actorId === user.id);
        expect(entry?.actor).toMatchObject({ id: user.id, email: user.email });
      }
      expect(items.filter((e) => e.actorId === null).every((e) => e.actor === null)).toBe(true);
      // One batch for the whole page, each actor once.
      expect(spy).toHaveBeenCalledTimes(1);
      const asked = spy.mock.calls[0]![0];
      expect(new Set(asked).size).toBe(asked.length);

      spy.mockClear();
      const rest = await t.rest({
        url: '/api/v1/audit-logs?limit=100&expand=actor',
        token: adminToken,
      });
      expect(rest.statusCode, rest.body).toBe(200);
      const restItems = rest.json().items as Array<{ actorId: string | null; actor: unknown }>;
      expect(restItems.find((e) => e.actorId === ids[0])?.actor).toMatchObject({ id: ids[0] });
      expect(spy).toHaveBeenCalledTimes(1);
      // Without expand, no actor and no extra query.
      spy.mockClear();
      const plain = await t.rest({ url: '/api/v1/audit-logs?limit=5', token: adminToken });
      expect(plain.json().items[0]).not.toHaveProperty('actor');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const bad = await t.rest({
      url: '/api/v1/audit-logs/me?expand=everything',
      token: users[0]!.accessToken,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('expand');
    const me = await t.rest({
      url: '/api/v1/audit-logs/me?expand=actor',
      token: users[0]!.accessToken,
    });
    expect(me.json().items[0].actor).toMatchObject({ id: users[0]!.id, email: users[0]!.email });
  });

  it('shows users only their own entries and refuses them the admin routes', async () => {
    const me = await registerUser(t);
    const other = await registerUser(t);
    await eventually(async () => {
      const res = await t.rest({ url: '/api/v1/audit-logs/me', token: me.accessToken });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().totalCount).toBeGreaterThanOrEqual(1);
    });
    const mine = await t.rest({ url: '/api/v1/audit-logs/me', token: me.accessToken });
    expect(mine.json().items.every((e: { actorId: string }) => e.actorId === me.id)).toBe(true);
    // The entry's own fields only: not the list query's total or sort key (see keysetPage).
    expect(Object.keys(mine.json().items[0]).sort()).toEqual(
      [
        'action', 'actorId', 'actorType', 'description', 'entityId', 'entityType', 'id', 'ip',
        'newValues', 'occurredAt', 'oldValues', 'requestId', 'status', 'userAgent',
      ].sort(),
    ); // prettier-ignore
    const g = await gql(`{ myAuditLogs { totalCount items { ${ENTRY} } } }`, {}, me.accessToken);
    const items = g.json().data.myAuditLogs.items as Array<{ actorId: string }>;
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items.every((e) => e.actorId === me.id)).toBe(true);

    expect((await t.rest({ url: '/api/v1/audit-logs', token: me.accessToken })).statusCode).toBe(
      403,
    );
    expect(
      (await t.rest({ url: `/api/v1/admin/users/${other.id}/activity`, token: me.accessToken }))
        .statusCode,
    ).toBe(403);
    const denied = await gql('{ auditLogs { totalCount } }', {}, me.accessToken);
    expect(denied.json().errors[0].extensions.code).toBe('FORBIDDEN');
  });
});
