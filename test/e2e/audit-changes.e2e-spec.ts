import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/core/events/event-bus.js';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { AdminUsersRepository } from '../../src/modules/auth/admin/admin-users.repository.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { login, registerUser, uniqueEmail, FAST_AUTH } from '../factories/user.factory.js';

const ADMIN_PASSWORD = 'the audit changes admin passphrase';
const SECRET_KEYS = ['passwordHash', 'password_hash', 'twoFactorSecret', 'two_factor_secret'];

type Row = Record<string, unknown>;

describe('audit: before/after values, sorting, file events', () => {
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  const adminEmail = uniqueEmail('audit-changes-admin');

  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD } });
    db = t.app.get<DataSource>(getDataSourceToken());
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const entry = (action: string, entityId: string): Promise<Row> =>
    eventually(async () => {
      const rows: Row[] = await db.query(
        'SELECT * FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1',
        [action, entityId],
      );
      expect(rows).toHaveLength(1);
      return rows[0];
    });
  const gql = (query: string, variables?: Record<string, unknown>, token = adminToken) =>
    t.gql(query, { variables, token });

  /** Every user.* entry about the user once the writer is flushed: one per admin action. */
  async function userActions(userId: string): Promise<string[]> {
    await t.app.get(AuditWriter).flush();
    const rows: Array<{ action: string }> = await db.query(
      "SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'user.%' ORDER BY id",
      [userId],
    );
    return rows.map((r) => r.action);
  }

  async function expectNoSecrets(row: Row, userId: string): Promise<void> {
    const [{ password_hash: hash }]: Array<{ password_hash: string }> = await db.query(
      'SELECT password_hash FROM users WHERE id = $1',
      [userId],
    );
    const text = JSON.stringify([row.old_values, row.new_values]);
    expect(text).not.toContain(hash);
    for (const key of SECRET_KEYS) expect(text).not.toContain(`"${key}"`);
  }

  describe('admin actions record old and new values, once', () => {
    it('an admin edit over REST: only the changed fields, no secrets', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'PATCH',
        url: `/api/v1/admin/users/${user.id}`,
        token: adminToken,
        payload: { firstName: 'Ada', bio: 'Before and after' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const row = await entry('user.updated', user.id);
      expect(row).toMatchObject({ status: 'success', entity_type: 'user' });
      expect(row.old_values).toEqual({ firstName: null, bio: null });
      expect(row.new_values).toEqual({ firstName: 'Ada', bio: 'Before and after' });
      await expectNoSecrets(row, user.id);
      expect(await userActions(user.id)).toEqual(['user.updated']);

      // Read back over both transports as JSON objects.
      const rest = await t.rest({
        url: `/api/v1/audit-logs?action=user.updated&entityId=${user.id}`,
        token: adminToken,
      });
      expect(rest.json().items[0]).toMatchObject({
        oldValues: { firstName: null, bio: null },
        newValues: { firstName: 'Ada', bio: 'Before and after' },
      });
      const g = await gql(
        'query($f: AuditLogFilter) { auditLogs(filter: $f) { items { oldValues newValues } } }',
        { f: { action: 'user.updated', entityId: user.id } },
      );
      expect(g.json().data.auditLogs.items[0]).toEqual({
        oldValues: { firstName: null, bio: null },
        newValues: { firstName: 'Ada', bio: 'Before and after' },
      });
    });

    it('an admin edit over GraphQL, changing a value that was set', async () => {
      const user = await registerUser(t);
      const update = (firstName: string) =>
        gql(
          'mutation($id: ID!, $i: AdminUpdateUserInput!) { adminUpdateUser(id: $id, input: $i) { id } }',
          { id: user.id, i: { firstName, emailVerified: true } },
        );
      expect((await update('First')).json().errors).toBeUndefined();
      await entry('user.updated', user.id);
      expect((await update('Second')).json().errors).toBeUndefined();
      await eventually(async () => {
        const rows: Row[] = await db.query(
          "SELECT * FROM audit_log WHERE action = 'user.updated' AND entity_id = $1 ORDER BY id",
          [user.id],
        );
        expect(rows).toHaveLength(2);
        expect(rows[0].old_values).toMatchObject({ firstName: null, emailVerifiedAt: null });
        expect(rows[0].new_values).toMatchObject({
          firstName: 'First',
          emailVerifiedAt: expect.any(String),
        });
        // emailVerified was already true: only the name changed.
        expect(rows[1].old_values).toEqual({ firstName: 'First' });
        expect(rows[1].new_values).toEqual({ firstName: 'Second' });
        await expectNoSecrets(rows[1], user.id);
      });
    });

    it("a ban's before and after, over REST and GraphQL", async () => {
      const a = await registerUser(t);
      const rest = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${a.id}/ban`,
        token: adminToken,
        payload: { reason: 'spam' },
      });
      expect(rest.statusCode, rest.body).toBe(200);
      const restRow = await entry('user.banned', a.id);
      expect(restRow.old_values).toEqual({ bannedAt: null, banReason: null });
      expect(restRow.new_values).toEqual({ bannedAt: expect.any(String), banReason: 'spam' });
      await expectNoSecrets(restRow, a.id);
      // One entry for one ban (it used to be recorded twice, as user.banned and user.ban).
      expect(await userActions(a.id)).toEqual(['user.banned']);

      const b = await registerUser(t);
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const g = await gql('mutation($i: AdminBanUserInput!) { adminBanUser(input: $i) { id } }', {
        i: { userId: b.id, reason: 'abuse', until },
      });
      expect(g.json().errors, g.body).toBeUndefined();
      const gRow = await entry('user.banned', b.id);
      expect(gRow).toMatchObject({ status: 'success', entity_type: 'user' });
      expect(gRow.old_values).toEqual({ bannedAt: null, banReason: null, bannedUntil: null });
      expect(gRow.new_values).toMatchObject({ banReason: 'abuse', bannedAt: expect.any(String) });
      expect(Date.parse((gRow.new_values as { bannedUntil: string }).bannedUntil)).toBe(
        Date.parse(until),
      );
      expect(await userActions(b.id)).toEqual(['user.banned']);
    });

    it('a failed before-snapshot never fails the request: recorded without old values', async () => {
      const user = await registerUser(t);
      const repo = t.app.get(AdminUsersRepository);
      const spy = vi
        .spyOn(repo, 'auditSnapshots')
        .mockRejectedValueOnce(new Error('snapshot store down'));
      try {
        const res = await t.rest({
          method: 'PATCH',
          url: `/api/v1/admin/users/${user.id}`,
          token: adminToken,
          payload: { lastName: 'Lovelace' },
        });
        expect(res.statusCode, res.body).toBe(200);
      } finally {
        spy.mockRestore();
      }
      const row = await entry('user.updated', user.id);
      expect(row.old_values).toBeNull();
      expect(row.new_values).toMatchObject({ lastName: 'Lovelace', email: user.email });
      await expectNoSecrets(row, user.id);
    });
  });

  describe('sort and keyset pages', () => {
    const entityId = `sort-${randomUUID()}`;
    let expectedAsc: string[];

    beforeAll(async () => {
      // Seven entries, with ties on occurred_at so that the id decides within a timestamp.
      const base = Date.parse('2026-01-10T12:00:00.000Z');
      const offsets = [0, 0, 1, 2, 2, 2, 5];
      // The three entries tied at +2 s get ids across a power of ten (…999, 1…000, 1…001):
      // sorted as text they would come out in another order.
      const [{ max }] = await db.query('SELECT COALESCE(max(id), 0)::text AS max FROM audit_log');
      const next = 10 ** String(Number(max) + 10).length - 4;
      await db.query(`ALTER TABLE audit_log ALTER COLUMN id RESTART WITH ${next}`);
      for (const offset of offsets) {
        await db.query(
          `INSERT INTO audit_log (occurred_at, actor_type, action, entity_type, entity_id, status)
           VALUES ($1, 'system', 'test.sorted', 'test', $2, 'success')`,
          [new Date(base + offset * 1000), entityId],
        );
      }
      const rows: Array<{ id: string }> = await db.query(
        // audit_log.id, the bigint: the text alias `id` would sort '1000' before '998'.
        'SELECT id::text AS id FROM audit_log WHERE entity_id = $1 ORDER BY occurred_at, audit_log.id',
        [entityId],
      );
      expectedAsc = rows.map((r) => r.id);
    });

    async function walkRest(sort?: string): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const url =
          `/api/v1/audit-logs?entityType=test&entityId=${entityId}&limit=2` +
          (sort ? `&sort=${sort}` : '') +
          (cursor ? `&cursor=${cursor}` : '');
        const res = await t.rest({ url, token: adminToken });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
        expect(res.json().totalCount).toBe(7);
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor && ids.length < 20);
      return ids;
    }

    async function walkGql(sort?: string): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await gql(
          'query($f: AuditLogFilter, $p: PageInput, $s: String) { auditLogs(filter: $f, page: $p, sort: $s) { nextCursor items { id } } }',
          { f: { entityType: 'test', entityId }, p: { limit: 3, cursor }, s: sort },
        );
        expect(res.json().errors, res.body).toBeUndefined();
        const page = res.json().data.auditLogs as {
          items: Array<{ id: string }>;
          nextCursor: string | null;
        };
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor && ids.length < 20);
      return ids;
    }

    it('pages newest first by default and oldest first with sort=occurredAt, over REST', async () => {
      const desc = [...expectedAsc].reverse();
      expect(await walkRest()).toEqual(desc);
      expect(await walkRest('-occurredAt')).toEqual(desc);
      expect(await walkRest('occurredAt')).toEqual(expectedAsc);
    });

    it('pages both ways over GraphQL', async () => {
      expect(await walkGql()).toEqual([...expectedAsc].reverse());
      expect(await walkGql('occurredAt')).toEqual(expectedAsc);
    });

    it('refuses a cursor issued for the other sort, and unknown sorts', async () => {
      const first = await t.rest({
        url: `/api/v1/audit-logs?entityId=${entityId}&limit=2`,
        token: adminToken,
      });
      const descCursor = first.json().nextCursor as string;
      const mismatch = await t.rest({
        url: `/api/v1/audit-logs?entityId=${entityId}&limit=2&sort=occurredAt&cursor=${descCursor}`,
        token: adminToken,
      });
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.json().code).toBe('VALIDATION_FAILED');
      const unknown = await t.rest({
        url: `/api/v1/audit-logs?sort=action`,
        token: adminToken,
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().code).toBe('VALIDATION_FAILED');

      const g = await gql(
        'query($p: PageInput, $s: String) { auditLogs(page: $p, sort: $s) { totalCount } }',
        { p: { cursor: descCursor }, s: 'occurredAt' },
      );
      expect(g.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const badSort = await gql('{ auditLogs(sort: "action") { totalCount } }');
      expect(badSort.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('still refuses non-admins, sorted or not', async () => {
      const user = await registerUser(t);
      const rest = await t.rest({
        url: '/api/v1/audit-logs?sort=occurredAt',
        token: user.accessToken,
      });
      expect(rest.statusCode).toBe(403);
      const g = await gql('{ auditLogs(sort: "occurredAt") { totalCount } }', {}, user.accessToken);
      expect(g.json().errors[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  it('records file events from the event bus against the file', async () => {
    const bus = t.app.get(EventBus);
    const ownerId = randomUUID();
    const fileId = randomUUID();
    bus.emit('file.uploaded', {
      fileId,
      ownerId,
      kind: 'attachment',
      mimeType: 'text/plain',
      size: 3,
    });
    bus.emit('file.processed', { fileId, ownerId, status: 'failed' });
    bus.emit('file.deleted', { fileId, ownerId });
    await eventually(async () => {
      const rows: Row[] = await db.query(
        'SELECT * FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY id',
        ['file', fileId],
      );
      expect(rows.map((r) => [r.action, r.status, r.actor_id])).toEqual([
        ['file.uploaded', 'success', ownerId],
        ['file.processed', 'failure', ownerId],
        ['file.deleted', 'success', ownerId],
      ]);
      expect(rows[0].description).toBe('Uploaded a file (attachment)');
    });
  });
});
