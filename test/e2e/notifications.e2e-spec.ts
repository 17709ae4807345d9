import { getQueueToken } from '@nestjs/bullmq';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events/event-bus.js';
import { ExportSections } from '../../src/core/exports/export-section.js';
import { NotificationBroadcastsService } from '../../src/modules/notifications/notification-broadcasts.service.js';
import { NotificationRetention } from '../../src/modules/notifications/notification-retention.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { FAST_AUTH, registerUser, type RegisteredUser } from '../factories/user.factory.js';
import type { AuthenticatedClient } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootAppWithMailbox, type MailboxApp } from '../support/mailbox.js';
import { bootstrapAdmin } from '../support/users.js';

const admin = bootstrapAdmin('notifications-admin');

const LIST = `query ($filter: NotificationFilter, $page: PageInput) {
  notifications(filter: $filter, page: $page) {
    items { id type level title message data entityType entityId readAt createdAt }
    nextCursor totalCount unreadCount
  }
}`;

describe('notifications', () => {
  let t: MailboxApp;
  let db: DataSource;
  let service: NotificationsService;
  let adminToken: string;

  const seed = async (userId: string, count: number, type = 'role_assigned'): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const dto = await service.notify(type, {
        userId,
        title: `Notice ${i}`,
        body: `Body ${i}`,
        data: { i },
        entity: { type: 'user', id: userId },
      });
      ids.push(dto!.id);
    }
    return ids;
  };

  const rowsOf = async (userId: string): Promise<number> =>
    Number(
      (await db.query('SELECT count(*) AS n FROM notifications WHERE user_id = $1', [userId]))[0].n,
    );

  beforeAll(async () => {
    t = await bootAppWithMailbox({ env: { ...FAST_AUTH, ...admin.env } });
    db = t.app.get<DataSource>(getDataSourceToken());
    service = t.app.get(NotificationsService);
    adminToken = await admin.signIn(t);
  });
  afterAll(() => t?.close());

  describe('list, count, read, delete', () => {
    let user: RegisteredUser;
    let me: AuthenticatedClient;
    let ids: string[];

    beforeAll(async () => {
      user = await registerUser(t);
      me = t.as(user.accessToken);
      ids = await seed(user.id, 5);
      await seed(user.id, 2, 'file_processed');
    });

    it('lists mine newest first with cursor pages, a total and the unread count (REST)', async () => {
      const first = await me.rest({ url: '/api/v1/notifications?limit=3' });
      expect(first.statusCode, first.body).toBe(200);
      const page = first.json();
      expect(page.totalCount).toBe(7);
      expect(page.unreadCount).toBe(7);
      expect(page.items).toHaveLength(3);
      expect(page.items[0]).toMatchObject({
        type: 'file_processed',
        title: 'Notice 1',
        readAt: null,
      });
      const second = (
        await me.rest({ url: `/api/v1/notifications?limit=3&cursor=${page.nextCursor}` })
      ).json();
      const third = (
        await me.rest({ url: `/api/v1/notifications?limit=3&cursor=${second.nextCursor}` })
      ).json();
      expect(third.nextCursor).toBeNull();
      const seen = [...page.items, ...second.items, ...third.items].map(
        (n: { id: string }) => n.id,
      );
      expect(new Set(seen).size).toBe(7);
      expect(seen.slice(2)).toEqual([...ids].reverse());
    });

    it('filters by type and by unread, the same over GraphQL', async () => {
      const rest = (await me.rest({ url: '/api/v1/notifications?type=file_processed' })).json();
      expect(rest.totalCount).toBe(2);
      const gql = await me.gql(LIST, {
        variables: { filter: { type: 'role_assigned' }, page: { limit: 2 } },
      });
      const data = gql.json().data.notifications;
      expect(data.totalCount).toBe(5);
      expect(data.unreadCount).toBe(7);
      expect(data.items[0]).toMatchObject({
        type: 'role_assigned',
        entityType: 'user',
        data: { i: 4 },
      });
    });

    it('marks one read (REST and GraphQL), then all; the counts follow', async () => {
      const one = await me.rest({ method: 'POST', url: `/api/v1/notifications/${ids[0]}/read` });
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json().readAt).not.toBeNull();
      const again = await me.gql(
        'mutation ($id: ID!) { markNotificationAsRead(id: $id) { id readAt } }',
        {
          variables: { id: ids[0] },
        },
      );
      expect(again.json().data.markNotificationAsRead.readAt).toBe(one.json().readAt);
      expect((await me.rest({ url: '/api/v1/notifications/unread-count' })).json()).toEqual({
        count: 6,
      });
      const unread = (await me.rest({ url: '/api/v1/notifications?unread=true' })).json();
      expect(unread.totalCount).toBe(6);
      const read = (await me.rest({ url: '/api/v1/notifications?unread=false' })).json();
      expect(read.items.map((n: { id: string }) => n.id)).toEqual([ids[0]]);

      const all = await me.rest({ method: 'POST', url: '/api/v1/notifications/read-all' });
      expect(all.json()).toEqual({ updated: 6 });
      const count = await me.gql('{ unreadNotificationsCount }');
      expect(count.json().data.unreadNotificationsCount).toBe(0);
      const none = await me.gql('mutation { markAllNotificationsAsRead }');
      expect(none.json().data.markAllNotificationsAsRead).toBe(0);
    });

    it('deletes one of mine (REST 204, GraphQL true); a second delete is 404', async () => {
      const del = await me.rest({ method: 'DELETE', url: `/api/v1/notifications/${ids[1]}` });
      expect(del.statusCode).toBe(204);
      const gql = await me.gql('mutation ($id: ID!) { deleteNotification(id: $id) }', {
        variables: { id: ids[2] },
      });
      expect(gql.json().data.deleteNotification).toBe(true);
      const gone = await me.rest({ method: 'DELETE', url: `/api/v1/notifications/${ids[1]}` });
      expect(gone.statusCode).toBe(404);
      expect(gone.json().code).toBe('NOT_FOUND');
      expect(await rowsOf(user.id)).toBe(5);
    });

    it("answers 404 for another user's notification and changes nothing (IDOR)", async () => {
      const other = await registerUser(t);
      const [theirs] = await seed(other.id, 1);
      const stranger = t.as(user.accessToken);
      for (const res of [
        await stranger.rest({ method: 'POST', url: `/api/v1/notifications/${theirs}/read` }),
        await stranger.rest({ method: 'DELETE', url: `/api/v1/notifications/${theirs}` }),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json().code).toBe('NOT_FOUND');
      }
      const gql = await stranger.gql('mutation ($id: ID!) { deleteNotification(id: $id) }', {
        variables: { id: theirs },
      });
      expect(gql.json().errors[0].extensions.code).toBe('NOT_FOUND');
      const [row] = await db.query('SELECT read_at FROM notifications WHERE id = $1', [theirs]);
      expect(row).toEqual({ read_at: null });
      const list = (await stranger.rest({ url: '/api/v1/notifications' })).json();
      expect(list.items.map((n: { id: string }) => n.id)).not.toContain(theirs);
    });

    it.each([
      ['/api/v1/notifications?unread=maybe', 'unread'],
      ['/api/v1/notifications?type=Not-A-Type', 'type'],
      ['/api/v1/notifications?limit=0', 'limit'],
      ['/api/v1/notifications?limit=101', 'limit'],
      ['/api/v1/notifications?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['/api/v1/notifications?extra=1', 'extra'],
    ])('GET %s is 400 naming %s', async (url, field) => {
      const res = await me.rest({ url });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses an id that is not a UUID with 400 on REST and BAD_USER_INPUT on GraphQL', async () => {
      const res = await me.rest({ method: 'POST', url: '/api/v1/notifications/nope/read' });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('id');
      const gql = await me.gql('mutation { markNotificationAsRead(id: "nope") { id } }');
      expect(gql.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('needs a token', async () => {
      const res = await t.rest({ url: '/api/v1/notifications' });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    });
  });

  describe('preferences', () => {
    it('lists every registered type with its defaults; critical ones marked', async () => {
      const user = await registerUser(t);
      const res = await t.as(user.accessToken).rest({ url: '/api/v1/notifications/preferences' });
      expect(res.statusCode).toBe(200);
      const byType = Object.fromEntries(res.json().map((p: { type: string }) => [p.type, p]));
      expect(Object.keys(byType).sort()).toEqual([
        'file_processed',
        'role_assigned',
        'security_alert',
        'system_announcement',
      ]);
      expect(byType.security_alert).toMatchObject({
        critical: true,
        inApp: true,
        email: true,
        realtime: true,
      });
      expect(byType.role_assigned).toMatchObject({
        critical: false,
        inApp: true,
        email: false,
        realtime: true,
      });
    });

    it('a channel switched off is not used; switched on, it is (mail); GraphQL twin', async () => {
      const user = await registerUser(t);
      const me = t.as(user.accessToken);
      const put = await me.rest({
        method: 'PUT',
        url: '/api/v1/notifications/preferences',
        payload: { preferences: [{ type: 'file_processed', inApp: false }] },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().find((p: { type: string }) => p.type === 'file_processed')).toMatchObject({
        inApp: false,
        realtime: true,
      });
      const gql = await me.gql(
        'mutation ($input: UpdateNotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { type email } }',
        { variables: { input: { preferences: [{ type: 'role_assigned', email: true }] } } },
      );
      expect(
        gql
          .json()
          .data.updateNotificationPreferences.find(
            (p: { type: string }) => p.type === 'role_assigned',
          ),
      ).toEqual({ type: 'role_assigned', email: true });

      await seed(user.id, 1, 'file_processed');
      const [stored] = await db.query(
        "SELECT in_app, email, realtime FROM notifications WHERE user_id = $1 AND type = 'file_processed'",
        [user.id],
      );
      expect(stored).toEqual({ in_app: false, email: false, realtime: true });
      expect((await me.rest({ url: '/api/v1/notifications' })).json().totalCount).toBe(0);

      await service.notify('role_assigned', {
        userId: user.id,
        title: 'Made editor',
        body: 'You can edit now.',
      });
      const mail = await t.smtp.waitFor(
        (m) => m.to.includes(user.email) && m.subject.includes('Made editor'),
      );
      expect(mail.text).toContain('You can edit now.');
    });

    it('a critical type cannot be switched off and is still delivered', async () => {
      const user = await registerUser(t);
      const me = t.as(user.accessToken);
      const res = await me.rest({
        method: 'PUT',
        url: '/api/v1/notifications/preferences',
        payload: { preferences: [{ type: 'security_alert', email: false, realtime: false }] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual([
        'preferences.0.email',
        'preferences.0.realtime',
      ]);
      expect(
        await db.query('SELECT 1 FROM notification_preferences WHERE user_id = $1', [user.id]),
      ).toEqual([]);

      const change = await me.rest({
        method: 'POST',
        url: '/api/v1/users/me/password',
        payload: { currentPassword: user.password, newPassword: 'another long passphrase here' },
      });
      expect(change.statusCode).toBe(204);
      const alert = await eventually(async () => {
        const list = (await me.rest({ url: '/api/v1/notifications?type=security_alert' })).json();
        expect(list.items).toHaveLength(1);
        return list.items[0];
      });
      expect(alert).toMatchObject({ title: 'Your password was changed', level: 'warning' });
      await t.smtp.waitFor(
        (m) => m.to.includes(user.email) && m.text.includes('Your password was changed'),
      );
    });

    it.each([
      [{ preferences: [] }, 'preferences'],
      [{ preferences: [{ type: 'no_such_type', email: true }] }, 'preferences.0.type'],
      [{ preferences: [{ type: 'role_assigned', email: 'yes' }] }, 'preferences.0.email'],
      [
        {
          preferences: [
            { type: 'role_assigned', email: true },
            { type: 'role_assigned', inApp: false },
          ],
        },
        'preferences.1.type',
      ],
      [{ preferences: [{ type: 'role_assigned', sms: true }] }, 'preferences.0.sms'],
      [{ preferences: 'all' }, 'preferences'],
      [{}, 'preferences'],
    ])('PUT %j is 400 naming %s; nothing is written', async (payload, field) => {
      const user = await registerUser(t);
      const res = await t.as(user.accessToken).rest({
        method: 'PUT',
        url: '/api/v1/notifications/preferences',
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(
        await db.query('SELECT 1 FROM notification_preferences WHERE user_id = $1', [user.id]),
      ).toEqual([]);
    });
  });

  describe('produced from domain events', () => {
    it('an admin granting a role produces role_assigned', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/roles`,
        token: adminToken,
        payload: { role: 'admin' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const list = await eventually(async () => {
        const page = (await t.as(user.accessToken).rest({ url: '/api/v1/notifications' })).json();
        expect(page.totalCount).toBe(1);
        expect(page.items).toHaveLength(1);
        return page;
      });
      expect(list.items[0]).toMatchObject({ type: 'role_assigned', data: { role: 'admin' } });
    });

    it('a sign-in from a new device produces one security_alert, a known device none', async () => {
      const user = await registerUser(t);
      const signIn = () =>
        t.rest({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'user-agent': 'NotifyDevice/1.0' },
          payload: { email: user.email, password: user.password },
        });
      expect((await signIn()).statusCode).toBe(200);
      await eventually(async () => {
        const rows = await db.query(
          "SELECT title FROM notifications WHERE user_id = $1 AND type = 'security_alert'",
          [user.id],
        );
        expect(rows).toEqual([{ title: 'A sign-in from a new device' }]);
      });
      expect((await signIn()).statusCode).toBe(200);
      // The second sign-in's alert decision has been made once its mail check ran.
      await eventually(async () => {
        const [{ n }] = await db.query(
          "SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND user_agent = 'NotifyDevice/1.0'",
          [user.id],
        );
        expect(n).toBe(2);
      });
      const rows = await db.query(
        "SELECT 1 FROM notifications WHERE user_id = $1 AND type = 'security_alert'",
        [user.id],
      );
      expect(rows).toHaveLength(1);
    });
  });

  describe('broadcast', () => {
    const BULK = 5000;
    const tag = randomUUID().slice(0, 8);

    beforeAll(async () => {
      await db.query(
        `INSERT INTO users (email, password_hash)
         SELECT 'bulk-' || $1 || '-' || i || '@example.com', 'x' FROM generate_series(1, $2) AS i`,
        [tag, BULK],
      );
    });

    const liveUsers = async (): Promise<number> =>
      (await db.query('SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL'))[0].n;

    it(`fans out to every live user (over ${BULK}) with exactly one row each, with progress`, async () => {
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/notifications/broadcast',
        token: adminToken,
        payload: { title: 'Maintenance tonight', message: 'From 22:00 UTC for one hour.' },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { broadcastId, jobId } = res.json();
      const job = await eventually(async () => {
        const status = (await t.rest({ url: `/api/v1/jobs/${jobId}`, token: adminToken })).json();
        expect(status.status).toBe('completed');
        return status;
      }, 60_000);
      const users = await liveUsers();
      expect(job.progress).toBe(100);
      expect(job.result).toEqual({ delivered: users });
      const [{ rows, distinct }] = await db.query(
        'SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS distinct FROM notifications WHERE broadcast_id = $1',
        [broadcastId],
      );
      expect({ rows, distinct }).toEqual({ rows: users, distinct: users });
      const [broadcast] = await db.query(
        'SELECT status, delivered FROM notification_broadcasts WHERE id = $1',
        [broadcastId],
      );
      expect(broadcast).toEqual({ status: 'done', delivered: users });
      // The audit writer batches its inserts: the entry lands shortly after the request.
      await eventually(async () => {
        const audit = await db.query(
          "SELECT actor_id FROM audit_log WHERE action = 'notification.broadcast.queued' AND entity_id = $1",
          [broadcastId],
        );
        expect(audit).toHaveLength(1);
      });
    });

    it('resumes after a crash mid-way without writing anyone twice', async () => {
      const broadcasts = t.app.get(NotificationBroadcastsService);
      const { broadcastId } = await broadcasts.broadcast(
        { id: randomUUID(), roles: ['admin'] },
        { title: 'Resumed', message: 'Once each.' },
      );
      // The queued job may run too: the unique (broadcast, user) index keeps one row each anyway.
      let pages = 0;
      await expect(
        broadcasts.fanOut(broadcastId, async () => {
          if (++pages === 2) throw new Error('worker killed');
        }),
      ).rejects.toThrow('worker killed');
      await broadcasts.fanOut(broadcastId, async () => undefined);
      const users = await liveUsers();
      const [{ rows, distinct }] = await db.query(
        'SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS distinct FROM notifications WHERE broadcast_id = $1',
        [broadcastId],
      );
      expect({ rows, distinct }).toEqual({ rows: users, distinct: users });
    });

    it('to one role only, over GraphQL', async () => {
      const res = await t.gql(
        'mutation ($input: BroadcastNotificationInput!) { broadcastNotification(input: $input) { broadcastId jobId } }',
        {
          token: adminToken,
          variables: { input: { title: 'Admins', message: 'Only you.', role: 'admin' } },
        },
      );
      const { broadcastId } = res.json().data.broadcastNotification;
      await eventually(async () => {
        const [row] = await db.query('SELECT status FROM notification_broadcasts WHERE id = $1', [
          broadcastId,
        ]);
        expect(row.status).toBe('done');
      }, 30_000);
      const [{ admins }] = await db.query(
        `SELECT count(*)::int AS admins FROM user_roles ur JOIN roles r ON r.id = ur.role_id
         JOIN users u ON u.id = ur.user_id WHERE r.name = 'admin' AND u.deleted_at IS NULL`,
      );
      const [{ n }] = await db.query(
        'SELECT count(*)::int AS n FROM notifications WHERE broadcast_id = $1',
        [broadcastId],
      );
      expect(n).toBe(admins);
    });

    it('is admin-only: 403 FORBIDDEN on REST and GraphQL, nothing written', async () => {
      const user = await registerUser(t);
      const before = (await db.query('SELECT count(*)::int AS n FROM notification_broadcasts'))[0]
        .n;
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/notifications/broadcast',
        token: user.accessToken,
        payload: { title: 'x', message: 'y' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      const gql = await t.gql(
        'mutation { broadcastNotification(input: { title: "x", message: "y" }) { jobId } }',
        { token: user.accessToken },
      );
      expect(gql.json().errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await db.query('SELECT count(*)::int AS n FROM notification_broadcasts'))[0].n).toBe(
        before,
      );
    });

    it.each([
      ['no title', { message: 'no title' }, 'title'],
      ['an empty title', { title: '', message: 'empty title' }, 'title'],
      ['a title over 200 characters', { title: 'x'.repeat(201), message: 'long' }, 'title'],
      ['a message over 2000 characters', { title: 'x', message: 'y'.repeat(2001) }, 'message'],
      ['an unknown role', { title: 'x', message: 'y', role: 'no-such-role' }, 'role'],
      ['an unknown field', { title: 'x', message: 'y', everyone: true }, 'everyone'],
    ])('refuses %s with 400 naming the field; nothing written', async (_label, payload, field) => {
      const before = (await db.query('SELECT count(*)::int AS n FROM notification_broadcasts'))[0]
        .n;
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/notifications/broadcast',
        token: adminToken,
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect((await db.query('SELECT count(*)::int AS n FROM notification_broadcasts'))[0].n).toBe(
        before,
      );
    });
  });

  describe('operations', () => {
    it('retention deletes read notifications past their window and any past the maximum', async () => {
      const user = await registerUser(t);
      const [fresh, oldRead, oldUnread, ancient] = await seed(user.id, 4);
      await db.query(
        `UPDATE notifications SET created_at = now() - interval '40 days', read_at = now()
         WHERE id = $1`,
        [oldRead],
      );
      await db.query(
        "UPDATE notifications SET created_at = now() - interval '40 days' WHERE id = $1",
        [oldUnread],
      );
      await db.query(
        "UPDATE notifications SET created_at = now() - interval '200 days' WHERE id = $1",
        [ancient],
      );
      await t.app.get(NotificationRetention).run();
      const left = await db.query('SELECT id FROM notifications WHERE user_id = $1 ORDER BY id', [
        user.id,
      ]);
      expect(left.map((r: { id: string }) => r.id).sort()).toEqual([fresh, oldUnread].sort());
    });

    it("puts the user's notifications and preferences in the GDPR archive sections", async () => {
      const user = await registerUser(t);
      const [id] = await seed(user.id, 1);
      await t.as(user.accessToken).rest({
        method: 'PUT',
        url: '/api/v1/notifications/preferences',
        payload: { preferences: [{ type: 'file_processed', email: true }] },
      });
      const sections = new Map(
        t.app
          .get(ExportSections)
          .all()
          .map((s) => [s.name, s]),
      );
      const collect = async (name: string) => {
        const rows: object[] = [];
        for await (const row of sections.get(name)!.rows(user.id)) rows.push(row);
        return rows;
      };
      expect(await collect('notifications')).toEqual([
        expect.objectContaining({ id, type: 'role_assigned', title: 'Notice 0', readAt: null }),
      ]);
      expect(await collect('notification_preferences')).toEqual([
        expect.objectContaining({ type: 'file_processed', email: true, inApp: null }),
      ]);
    });

    it('counts what it sends on /metrics', async () => {
      const res = await t.rest({ url: '/metrics' });
      expect(res.body).toMatch(
        /^notifications_sent_total\{type="role_assigned",channel="in_app"\} [1-9]/m,
      );
    });

    it("an anonymised account's notifications and preferences are deleted", async () => {
      const user = await registerUser(t);
      await seed(user.id, 2);
      await t.as(user.accessToken).rest({
        method: 'PUT',
        url: '/api/v1/notifications/preferences',
        payload: { preferences: [{ type: 'role_assigned', email: true }] },
      });
      t.app.get(EventBus).emit('user.anonymised', { userId: user.id });
      await eventually(async () => expect(await rowsOf(user.id)).toBe(0));
      expect(
        await db.query('SELECT 1 FROM notification_preferences WHERE user_id = $1', [user.id]),
      ).toEqual([]);
    });
  });
});

// Its own app, booted alone: two apps on one database would share the PostgreSQL queue backend.
describe('notifications: email digest', () => {
  let digest: MailboxApp;

  beforeAll(async () => {
    digest = await bootAppWithMailbox({
      env: { ...FAST_AUTH, NOTIFICATIONS_EMAIL_DIGEST_SECONDS: '3600' },
    });
  });
  afterAll(() => digest?.close());

  it('a burst of one type within the window is one digest mail, not one per notification', async () => {
    const user = await registerUser(digest);
    const notify = digest.app.get(NotificationsService);
    for (const title of ['First', 'Second', 'Third']) {
      await notify.notify('security_alert', {
        userId: user.id,
        title: `${title} alert`,
        body: 'Details.',
      });
    }
    const queue = digest.app.get<Queue>(getQueueToken('notifications'));
    const waiting = (await queue.getDelayed()).filter((job) => job.data.payload.userId === user.id);
    expect(waiting).toHaveLength(1);
    await waiting[0].promote();
    const isDigest = (m: { to: string[]; subject: string }) =>
      m.to.includes(user.email) && m.subject.includes('notifications');
    const mail = await digest.smtp.waitFor(isDigest);
    expect(mail.subject).toContain('3 new notifications');
    for (const title of ['First', 'Second', 'Third']) expect(mail.text).toContain(`${title} alert`);
    const db2 = digest.app.get<DataSource>(getDataSourceToken());
    await eventually(async () => {
      const [{ n }] = await db2.query(
        'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND emailed_at IS NULL',
        [user.id],
      );
      expect(n).toBe(0);
    });
    expect(digest.smtp.messages.filter(isDigest)).toHaveLength(1);
  });
});
