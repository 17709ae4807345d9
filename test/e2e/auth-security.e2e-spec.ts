import { getDataSourceToken } from '@nestjs/typeorm';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  FAST_AUTH,
} from '../factories/user.factory.js';
import { bootApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { type ListenerTracker, trackListeners } from '../support/events.js';
import { bootAppWithMailbox, mailQueueDrained, type MailboxApp } from '../support/mailbox.js';

describe('auth: EdDSA access tokens', () => {
  let t: TestApp;
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        JWT_ALGORITHM: 'EdDSA',
        // `\n` escapes, as an env file carries them.
        JWT_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n'),
        JWT_KEY_ID: 'ed-2026',
      },
    });
  });
  afterAll(() => t?.close());

  it('registers and reads /users/me with an EdDSA token carrying the kid', async () => {
    const user = await registerUser(t);
    expect(decodeProtectedHeader(user.accessToken)).toMatchObject({ alg: 'EdDSA', kid: 'ed-2026' });
    const me = await t.rest({ url: '/api/v1/users/me', token: user.accessToken });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().email).toBe(user.email);
  });

  it('refuses an HS256 token, even one signed with the old JWT_SECRET and the same kid', async () => {
    const user = await registerUser(t);
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'ed-2026' })
      .setSubject(user.id)
      .setJti('x')
      .setIssuer('nest-starter')
      .setAudience('nest-starter-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const res = await t.rest({ url: '/api/v1/users/me', token: forged });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  });
});

describe('auth: verified email required', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH, AUTH_REQUIRE_VERIFIED_EMAIL: 'true' } });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(() => t?.close());

  const sessionsOf = async (userId: string) =>
    Number(
      (await db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [userId]))[0].n,
    );

  it('registers without a session, refuses login until the email is verified', async () => {
    const email = uniqueEmail('unverified');
    const reg = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: STRONG_PASSWORD },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const body = reg.json();
    expect(body.user).toMatchObject({ email, emailVerified: false });
    expect(body).not.toHaveProperty('accessToken');
    expect(body).not.toHaveProperty('refreshToken');
    expect(body).not.toHaveProperty('expiresIn');
    expect(await sessionsOf(body.user.id)).toBe(0);

    const refused = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: STRONG_PASSWORD },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('EMAIL_NOT_VERIFIED');
    expect(await sessionsOf(body.user.id)).toBe(0);

    const wrong = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'not the right password at all' },
    });
    expect(wrong.statusCode).toBe(401);

    await db.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [body.user.id]);
    const ok = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: STRONG_PASSWORD },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(typeof ok.json().accessToken).toBe('string');
  });

  it('GraphQL: register answers null tokens, login EMAIL_NOT_VERIFIED', async () => {
    const email = uniqueEmail('gql-unverified');
    const reg = await t.gql(
      'mutation R($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn user { email } } }',
      { variables: { input: { email, password: STRONG_PASSWORD } } },
    );
    expect(reg.json().errors).toBeUndefined();
    expect(reg.json().data.register).toEqual({
      accessToken: null,
      refreshToken: null,
      expiresIn: null,
      user: { email },
    });
    const login = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: { email, password: STRONG_PASSWORD } } },
    );
    expect(login.json().errors[0].extensions.code).toBe('EMAIL_NOT_VERIFIED');
  });
});

describe('auth: security alert mails', () => {
  let t: MailboxApp;
  let listeners: ListenerTracker;

  beforeAll(async () => {
    t = await bootAppWithMailbox({ env: FAST_AUTH });
    listeners = trackListeners(t.app);
  });
  afterAll(() => t?.close());

  it('mails a security alert when the password changes', async () => {
    const user = await registerUser(t);
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/users/me/password',
      token: user.accessToken,
      headers: { 'user-agent': 'AlertTest/1.0' },
      payload: { currentPassword: user.password, newPassword: 'a brand new lengthy passphrase' },
    });
    expect(res.statusCode, res.body).toBe(204);
    const mail = await t.smtp.waitFor(
      (m) => m.to.includes(user.email) && m.text.includes('Your password was changed'),
    );
    expect(mail.subject).toContain('security alert');
    expect(mail.text).toContain('AlertTest/1.0');
  });

  it('mails an alert for a sign-in from a new device, not for a known one', async () => {
    const user = await registerUser(t);
    const signIn = (ua: string) =>
      t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'user-agent': ua },
        payload: { email: user.email, password: user.password },
      });
    expect((await signIn('NewDevice/2.0')).statusCode).toBe(200);
    await t.smtp.waitFor(
      (m) => m.to.includes(user.email) && m.text.includes('A sign-in from a new device'),
    );
    const before = t.smtp.messages.length;
    expect((await signIn('NewDevice/2.0')).statusCode).toBe(200);
    // The alert listener has decided (and queued any mail), and every queued mail went out.
    await listeners.settled();
    await mailQueueDrained(t);
    expect(
      t.smtp.messages
        .slice(before)
        .filter((m) => m.to.includes(user.email) && m.text.includes('new device')),
    ).toHaveLength(0);
  });
});
