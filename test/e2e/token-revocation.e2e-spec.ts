import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteAccount,
  FAST_AUTH,
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { multipart } from '../support/multipart.js';
import { type SmtpServer, startSmtpServer } from '../support/smtp.js';

const ADMIN_PASSWORD = 'the revocation admin passphrase';
const NEW_PASSWORD = 'a brand new lengthy passphrase';

/**
 * Access tokens end with what ends them — logout, session revocation, password change and
 * reset, ban, account deletion — at once, on every instance, and for instances started later.
 */
describe('access-token revocation', () => {
  let smtp: SmtpServer;
  let a: TestApp;
  let b: TestApp;
  let db: DataSource;
  let adminToken: string;
  const adminEmail = uniqueEmail('revocation-admin');
  const env = () => ({
    ...FAST_AUTH,
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD,
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'https://app.example.test',
  });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    a = await bootApp({ env: env() });
    // A second instance on the same database: what A revokes, B must refuse too.
    b = await bootApp({ env: env() });
    db = a.app.get<DataSource>(getDataSourceToken());
    adminToken = (await login(a, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.close();
  });

  const logout = (t: TestApp, user: { accessToken: string; refreshToken: string }) =>
    t.rest({
      method: 'POST',
      url: '/api/v1/auth/logout',
      token: user.accessToken,
      payload: { refreshToken: user.refreshToken },
    });
  const me = (t: TestApp, token: string) => t.rest({ url: '/api/v1/users/me', token });
  const gqlMe = async (t: TestApp, token: string) =>
    (await t.gql('{ me { id } }', { token })).json() as {
      data?: { me: { id: string } } | null;
      errors?: Array<{ extensions: { code: string } }>;
    };

  /** Refused on this instance at once (REST and GraphQL), and on the other one eventually. */
  async function expectRevoked(token: string, here: TestApp, other: TestApp): Promise<void> {
    const rest = await me(here, token);
    expect(rest.statusCode, rest.body).toBe(401);
    expect(rest.json().code).toBe('UNAUTHENTICATED');
    expect((await gqlMe(here, token)).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    await eventually(async () => expect((await me(other, token)).statusCode).toBe(401));
  }

  it('logout ends the access token at once, on both instances', async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).statusCode).toBe(200);
    const out = await logout(a, user);
    expect(out.statusCode, out.body).toBeLessThan(300);
    await expectRevoked(user.accessToken, a, b);
  });

  it('revoking one session ends that session’s token only', async () => {
    const user = await registerUser(a);
    const other = await login(a, user.email, user.password);
    const sessions = await a.rest({ url: '/api/v1/auth/sessions', token: user.accessToken });
    const { items } = sessions.json() as { items: Array<{ id: string; current: boolean }> };
    const target = items.find((s) => !s.current)!;
    const res = await a.rest({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${target.id}`,
      token: user.accessToken,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    await expectRevoked(other.accessToken, a, b);
    expect((await me(a, user.accessToken)).statusCode).toBe(200);
  });

  it('a password change ends the other sessions’ tokens, not the caller’s', async () => {
    const user = await registerUser(a);
    const other = await login(a, user.email, user.password);
    const res = await a.rest({
      method: 'POST',
      url: '/api/v1/users/me/password',
      token: user.accessToken,
      payload: { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    await expectRevoked(other.accessToken, a, b);
    expect((await me(a, user.accessToken)).statusCode).toBe(200);
  });

  it('a password reset ends every token of the account', async () => {
    const user = await registerUser(a);
    const seen = smtp.messages.length;
    await a.rest({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email: user.email },
    });
    const mail = await smtp.waitFor(
      (m) =>
        smtp.messages.indexOf(m) >= seen &&
        m.to.includes(user.email) &&
        m.text.includes('/reset-password'),
    );
    const token = /reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    const reset = await b.rest({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, password: NEW_PASSWORD },
    });
    expect(reset.statusCode, reset.body).toBeLessThan(300);
    await expectRevoked(user.accessToken, b, a);
    // The new password signs in at once, with a token that works.
    const fresh = await login(a, user.email, NEW_PASSWORD);
    expect((await me(a, fresh.accessToken)).statusCode).toBe(200);
  });

  it('a ban ends the user’s tokens: a PATCH with the old token does not land', async () => {
    const user = await registerUser(a);
    const ban = await a.rest({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/ban`,
      token: adminToken,
      payload: { reason: 'spam' },
    });
    expect(ban.statusCode, ban.body).toBe(200);
    const patch = await a.rest({
      method: 'PATCH',
      url: '/api/v1/users/me',
      token: user.accessToken,
      payload: { firstName: 'Banned' },
    });
    expect(patch.statusCode).toBe(401);
    await eventually(async () => {
      const res = await b.rest({
        method: 'PATCH',
        url: '/api/v1/users/me',
        token: user.accessToken,
        payload: { firstName: 'Banned' },
      });
      expect(res.statusCode).toBe(401);
    });
    const rows: Array<{ first_name: string | null }> = await db.query(
      'SELECT first_name FROM users WHERE id = $1',
      [user.id],
    );
    expect(rows[0].first_name).toBeNull();

    // Unbanned, the user signs in again; the token from before the ban stays revoked.
    const unban = await a.rest({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/unban`,
      token: adminToken,
    });
    expect(unban.statusCode, unban.body).toBeLessThan(300);
    const fresh = await login(b, user.email, user.password);
    expect((await me(b, fresh.accessToken)).statusCode).toBe(200);
    await eventually(async () => expect((await me(a, fresh.accessToken)).statusCode).toBe(200));
    expect((await me(a, user.accessToken)).statusCode).toBe(401);
  });

  it('account deletion ends the tokens: no upload, no export afterwards', async () => {
    const user = await registerUser(a);
    await deleteAccount(a, user);
    const body = multipart([
      { name: 'file', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('hello') },
    ]);
    const upload = await a.rest({
      method: 'POST',
      url: '/api/v1/files',
      token: user.accessToken,
      headers: body.headers,
      payload: body.payload,
    });
    expect(upload.statusCode).toBe(401);
    const exp = await a.rest({ url: '/api/v1/users/me/export', token: user.accessToken });
    expect(exp.statusCode).toBe(401);
    const files: Array<{ n: number }> = await db.query(
      'SELECT count(*)::int AS n FROM files WHERE owner_id = $1',
      [user.id],
    );
    expect(files[0].n).toBe(0);
    await expectRevoked(user.accessToken, a, b);
  });

  it('an instance started after the revocation refuses the token from its first request', async () => {
    const user = await registerUser(a);
    await logout(a, user);
    const late = await bootApp({ env: env() });
    try {
      expect((await me(late, user.accessToken)).statusCode).toBe(401);
    } finally {
      await late.close();
    }
  });

  it('keeps spreading revocations after the listening connections are killed', async () => {
    const killed: Array<{ n: number }> = await db.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE application_name = 'pg-listener' AND datname = current_database()`,
    );
    expect(killed[0].n).toBeGreaterThanOrEqual(2);
    // Both instances listen again (they reconnect on their own, with backoff).
    await eventually(async () => {
      const rows: Array<{ n: number }> = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = 'pg-listener' AND datname = current_database()`,
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(2);
    });
    const user = await registerUser(a);
    await logout(a, user);
    await expectRevoked(user.accessToken, a, b);
  });

  it('accepts the Bearer scheme in any case', async () => {
    const user = await registerUser(a);
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await a.rest({
        url: '/api/v1/users/me',
        headers: { authorization: `${scheme} ${user.accessToken}` },
      });
      expect(res.statusCode, scheme).toBe(200);
    }
    const basic = await a.rest({
      url: '/api/v1/users/me',
      headers: { authorization: `Basic ${user.accessToken}` },
    });
    expect(basic.statusCode).toBe(401);
  });
});
