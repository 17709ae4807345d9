import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/core/pagination/cursor.js';
import { login, registerUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { LOCKOUT_ENV } from '../support/login-attempts.js';

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

  beforeAll(async () => {
    t = await bootApp({ env: ENV });
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
});
