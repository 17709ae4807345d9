import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  FAST_AUTH as FAST_TEST_AUTH,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { type ReceivedMail, type SmtpServer, startSmtpServer } from '../support/smtp.js';

const FAST_AUTH = {
  ...FAST_TEST_AUTH,
  PUBLIC_URL: 'https://app.example.test',
};
const NEW_PASSWORD = 'a brand new lengthy passphrase';

describe('auth: email verification and password reset', () => {
  let smtp: SmtpServer;
  let t: TestApp;
  let db: DataSource;
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await bootApp({ env: { ...FAST_AUTH, SMTP_URL: smtp.url } });
    db = t.app.get<DataSource>(getDataSourceToken());
    t.app.get(EventEmitter2).onAny((name, payload) => {
      events.push({ name: String(name), payload: payload as Record<string, unknown> });
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** The first mail to `to` whose link goes to `path`, received at or after message `after`. */
  const mailTo = (to: string, path: string, after = 0): Promise<ReceivedMail> =>
    smtp.waitFor(
      (m) => smtp.messages.indexOf(m) >= after && m.to.includes(to) && m.text.includes(path),
    );

  const tokenIn = (mail: ReceivedMail, path: string): string => {
    const match = new RegExp(
      `https://app\\.example\\.test${path}\\?token=([A-Za-z0-9_-]{43})`,
    ).exec(mail.text);
    expect(match, mail.text).not.toBeNull();
    return match![1]!;
  };

  const verifyToken = async (email: string, after = 0): Promise<string> =>
    tokenIn(await mailTo(email, '/verify-email', after), '/verify-email');
  const resetToken = async (email: string, after = 0): Promise<string> =>
    tokenIn(await mailTo(email, '/reset-password', after), '/reset-password');

  const userRow = async (id: string) =>
    (
      await db.query(
        'SELECT email_verified_at, password_hash, updated_at FROM users WHERE id = $1',
        [id],
      )
    )[0] as { email_verified_at: Date | null; password_hash: string; updated_at: Date };
  const tokenRows = async (id: string) =>
    db.query(
      'SELECT purpose, token_hash, expires_at, used_at FROM user_tokens WHERE user_id = $1 ORDER BY created_at, id',
      [id],
    );
  const activeSessions = async (id: string) =>
    Number(
      (
        await db.query(
          'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
          [id],
        )
      )[0].n,
    );

  const me = async (accessToken: string) => {
    const res = await t.rest({ url: '/api/v1/users/me', token: accessToken });
    expect(res.statusCode).toBe(200);
    return res.json() as { emailVerified: boolean };
  };
  const verify = (token: unknown) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
  const forgot = (email: string) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email } });
  const reset = (token: string, password: string) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token, password } });
  const expectInvalidToken = (res: { statusCode: number; json(): unknown }) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'token' }],
    });
  };

  describe('email verification', () => {
    it('registration mails a single-use link that verifies the address (REST)', async () => {
      const user = await registerUser(t);
      const token = await verifyToken(user.email);
      expect((await me(user.accessToken)).emailVerified).toBe(false);
      const [stored] = await tokenRows(user.id);
      expect(stored).toMatchObject({ purpose: 'verify_email', used_at: null });
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.token_hash).not.toContain(token);

      const res = await verify(token);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await me(user.accessToken)).emailVerified).toBe(true);
      expect(
        events.some((e) => e.name === 'auth.email.verified' && e.payload.userId === user.id),
      ).toBe(true);

      const verifiedAt = (await userRow(user.id)).email_verified_at;
      expectInvalidToken(await verify(token));
      expect((await userRow(user.id)).email_verified_at).toEqual(verifiedAt);
    });

    it('verifies through GraphQL, and a reused token is BAD_USER_INPUT', async () => {
      const user = await registerUser(t);
      const token = await verifyToken(user.email);
      const mutation = 'mutation V($token: String!) { verifyEmail(token: $token) }';
      const res = await t.gql(mutation, { variables: { token } });
      expect(res.json()).toEqual({ data: { verifyEmail: true } });
      const meRes = await t.gql('{ me { emailVerified } }', { token: user.accessToken });
      expect(meRes.json().data.me.emailVerified).toBe(true);

      const again = await t.gql(mutation, { variables: { token } });
      expect(again.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses unknown, malformed and missing tokens with 400, writing nothing', async () => {
      const user = await registerUser(t);
      await verifyToken(user.email);
      const before = await tokenRows(user.id);
      expectInvalidToken(await verify('A'.repeat(43)));
      for (const payload of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(500) }]) {
        const res = await t.rest({ method: 'POST', url: '/api/v1/auth/verify-email', payload });
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
      }
      expect((await userRow(user.id)).email_verified_at).toBeNull();
      expect(await tokenRows(user.id)).toEqual(before);
    });

    it('refuses an expired token with 400, writing nothing', async () => {
      const user = await registerUser(t);
      const token = await verifyToken(user.email);
      await db.query(
        `UPDATE user_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1`,
        [user.id],
      );
      const before = await tokenRows(user.id);
      expectInvalidToken(await verify(token));
      expect((await userRow(user.id)).email_verified_at).toBeNull();
      expect(await tokenRows(user.id)).toEqual(before);
    });

    it('resend mails a new link that replaces the old one; verified accounts get no mail', async () => {
      const user = await registerUser(t);
      const first = await verifyToken(user.email);
      const mark = smtp.messages.length;

      const unauth = await t.rest({ method: 'POST', url: '/api/v1/auth/verify-email/resend' });
      expect(unauth.statusCode).toBe(401);
      expect(unauth.json().code).toBe('UNAUTHENTICATED');

      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/verify-email/resend',
        token: user.accessToken,
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({});
      const second = await verifyToken(user.email, mark);
      expect(second).not.toBe(first);

      expectInvalidToken(await verify(first));
      expect((await userRow(user.id)).email_verified_at).toBeNull();
      expect((await verify(second)).statusCode).toBe(204);

      // Verified: resend answers the same, and mails nothing (a later mail proves the queue moved).
      const afterVerified = smtp.messages.length;
      const again = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/verify-email/resend',
        token: user.accessToken,
      });
      expect(again.statusCode).toBe(202);
      expect(again.json()).toEqual({});
      const gql = await t.gql('mutation { resendVerificationEmail }', { token: user.accessToken });
      expect(gql.json()).toEqual({ data: { resendVerificationEmail: true } });
      expect((await forgot(user.email)).statusCode).toBe(202);
      await resetToken(user.email, afterVerified);
      const later = smtp.messages.slice(afterVerified).filter((m) => m.to.includes(user.email));
      expect(later.every((m) => !m.text.includes('/verify-email'))).toBe(true);
    });

    it('resends through GraphQL', async () => {
      const user = await registerUser(t);
      const first = await verifyToken(user.email);
      const mark = smtp.messages.length;
      const res = await t.gql('mutation { resendVerificationEmail }', { token: user.accessToken });
      expect(res.json()).toEqual({ data: { resendVerificationEmail: true } });
      const second = await verifyToken(user.email, mark);
      expect(second).not.toBe(first);
      expect((await verify(second)).statusCode).toBe(204);
    });
  });

  describe('password reset', () => {
    it('answers forgot identically for existing and unknown accounts; mails only the existing one', async () => {
      const user = await registerUser(t);
      await verifyToken(user.email);
      const unknown = uniqueEmail('nobody');
      const mark = smtp.messages.length;

      const a = await forgot(unknown);
      const b = await forgot(user.email);
      expect(a.statusCode).toBe(202);
      expect(b.statusCode).toBe(202);
      expect(a.body).toBe(b.body);
      expect(a.json()).toEqual({});
      expect(a.headers['content-type']).toBe(b.headers['content-type']);

      const gql = await t.gql(
        'mutation R($email: String!) { requestPasswordReset(email: $email) }',
        {
          variables: { email: unknown },
        },
      );
      expect(gql.json()).toEqual({ data: { requestPasswordReset: true } });
      const marker = await registerUser(t);
      await verifyToken(marker.email, mark);
      await resetToken(user.email, mark);
      expect(smtp.messages.some((m) => m.to.includes(unknown))).toBe(false);
      expect(
        Number(
          (await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [unknown]))[0].n,
        ),
      ).toBe(0);
    });

    it('resets the password (REST): weak password refused, token single-use, every session ended', async () => {
      const user = await registerUser(t);
      await verifyToken(user.email);
      const other = await login(t, user.email, user.password);
      const mark = smtp.messages.length;
      expect((await forgot(user.email.toUpperCase())).statusCode).toBe(202);
      const token = await resetToken(user.email, mark);
      const before = await userRow(user.id);

      const weak = await reset(token, 'password123');
      expect(weak.statusCode).toBe(400);
      expect(weak.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'password', message: 'is too common' }],
      });
      expect((await userRow(user.id)).password_hash).toBe(before.password_hash);
      expect(await activeSessions(user.id)).toBe(2);

      const ok = await reset(token, NEW_PASSWORD);
      expect(ok.statusCode).toBe(204);
      expect(ok.body).toBe('');
      expect(await activeSessions(user.id)).toBe(0);
      expect(
        events.some((e) => e.name === 'auth.password.reset' && e.payload.userId === user.id),
      ).toBe(true);

      for (const refreshToken of [user.refreshToken, other.refreshToken]) {
        const res = await t.rest({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refreshToken },
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('UNAUTHENTICATED');
      }
      const old = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(old.statusCode).toBe(401);
      await login(t, user.email, NEW_PASSWORD);

      const hashAfter = (await userRow(user.id)).password_hash;
      const sessionsAfter = await activeSessions(user.id);
      expectInvalidToken(await reset(token, 'yet another long passphrase'));
      expect((await userRow(user.id)).password_hash).toBe(hashAfter);
      expect(await activeSessions(user.id)).toBe(sessionsAfter);
    });

    it('resets the password through GraphQL', async () => {
      const user = await registerUser(t);
      await verifyToken(user.email);
      const mark = smtp.messages.length;
      const req = await t.gql(
        'mutation R($email: String!) { requestPasswordReset(email: $email) }',
        { variables: { email: user.email } },
      );
      expect(req.json()).toEqual({ data: { requestPasswordReset: true } });
      const token = await resetToken(user.email, mark);
      const mutation = 'mutation P($input: ResetPasswordInput!) { resetPassword(input: $input) }';

      const weak = await t.gql(mutation, {
        variables: { input: { token, password: 'aaaaaaaaaaaa' } },
      });
      expect(weak.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');

      const res = await t.gql(mutation, {
        variables: { input: { token, password: NEW_PASSWORD } },
      });
      expect(res.json()).toEqual({ data: { resetPassword: true } });
      await login(t, user.email, NEW_PASSWORD);
      const refresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);

      const again = await t.gql(mutation, {
        variables: { input: { token, password: 'still another passphrase' } },
      });
      expect(again.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('a new reset link replaces the older one', async () => {
      const user = await registerUser(t);
      await verifyToken(user.email);
      let mark = smtp.messages.length;
      await forgot(user.email);
      const first = await resetToken(user.email, mark);
      mark = smtp.messages.length;
      await forgot(user.email);
      const second = await resetToken(user.email, mark);
      const before = await userRow(user.id);
      expectInvalidToken(await reset(first, NEW_PASSWORD));
      expect((await userRow(user.id)).password_hash).toBe(before.password_hash);
      expect((await reset(second, NEW_PASSWORD)).statusCode).toBe(204);
    });

    it('refuses unknown, expired and verification tokens with 400, writing nothing', async () => {
      const user = await registerUser(t);
      const verification = await verifyToken(user.email);
      const mark = smtp.messages.length;
      await forgot(user.email);
      const token = await resetToken(user.email, mark);
      await db.query(
        `UPDATE user_tokens SET expires_at = now() - interval '1 second'
         WHERE user_id = $1 AND purpose = 'reset_password'`,
        [user.id],
      );
      const before = await userRow(user.id);
      const tokensBefore = await tokenRows(user.id);

      expectInvalidToken(await reset(token, NEW_PASSWORD));
      expectInvalidToken(await reset('B'.repeat(43), NEW_PASSWORD));
      expectInvalidToken(await reset(verification, NEW_PASSWORD));
      const missing = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/password/reset',
        payload: { token },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().code).toBe('VALIDATION_FAILED');
      const badEmail = await forgot('not-an-email');
      expect(badEmail.statusCode).toBe(400);
      expect(badEmail.json().code).toBe('VALIDATION_FAILED');

      await eventually(async () => {
        expect(await userRow(user.id)).toEqual(before);
      });
      expect(await tokenRows(user.id)).toEqual(tokensBefore);
      expect(await activeSessions(user.id)).toBe(1);
      await login(t, user.email, STRONG_PASSWORD);
    });
  });
});
