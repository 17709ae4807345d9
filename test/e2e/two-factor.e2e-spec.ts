import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp, totpStep } from '../../src/modules/auth/totp.js';
import {
  type RegisteredUser,
  registerUser,
  STRONG_PASSWORD,
  FAST_AUTH as FAST_TEST_AUTH,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { type SmtpServer, startSmtpServer } from '../support/smtp.js';

const FAST_AUTH = {
  ...FAST_TEST_AUTH,
  PUBLIC_URL: 'https://app.example.test',
};
const STEP_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('auth: TOTP two-factor authentication', () => {
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

  const post = (url: string, token: string | undefined, payload: unknown = {}) =>
    t.rest({ method: 'POST', url: `/api/v1/auth/${url}`, token, payload });
  const login = (email: string, password: string, otp?: string) =>
    t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, ...(otp === undefined ? {} : { otp }) },
    });
  const state = async (id: string) =>
    (
      await db.query(
        `SELECT u.two_factor_secret AS secret, u.two_factor_enabled_at AS enabled_at,
                (SELECT count(*)::int FROM two_factor_backup_codes c WHERE c.user_id = u.id) AS codes,
                (SELECT count(*)::int FROM two_factor_backup_codes c
                  WHERE c.user_id = u.id AND c.used_at IS NOT NULL) AS used
         FROM users u WHERE u.id = $1`,
        [id],
      )
    )[0] as { secret: string | null; enabled_at: Date | null; codes: number; used: number };

  /** A code from a step other than now ±1: valid format, never accepted. */
  const staleCode = (secret: string): string => {
    const now = totp(secret);
    for (let k = 3; ; k += 1) {
      const code = totp(secret, Date.now() - k * STEP_MS);
      if (code !== now && code !== totp(secret, Date.now() + STEP_MS)) return code;
    }
  };

  /**
   * A code of a later step than the last one handed out for this secret (a step is accepted
   * once): now-1, now, now+1 give three per window. Near the end of a step it waits for the next
   * one, so a code of step now-1 cannot fall out of the window on its way to the server.
   */
  const handedOut = new Map<string, number>();
  const freshCode = async (secret: string): Promise<string> => {
    const intoStep = Date.now() % STEP_MS;
    if (intoStep > STEP_MS - 2_000) await sleep(STEP_MS - intoStep + 50);
    const step = Math.max((handedOut.get(secret) ?? -1) + 1, totpStep() - 1);
    if (step > totpStep() + 1) throw new Error('no fresh code left in this window');
    handedOut.set(secret, step);
    return totp(secret, step * STEP_MS);
  };

  const enableFor = async (user: RegisteredUser) => {
    const setup = await post('2fa/setup', user.accessToken);
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret } = setup.json() as { secret: string };
    const enable = await post('2fa/enable', user.accessToken, { code: await freshCode(secret) });
    expect(enable.statusCode, enable.body).toBe(200);
    return { secret, backupCodes: enable.json().backupCodes as string[] };
  };

  it('sets up a pending secret, enables it with a code and returns 10 backup codes once (REST)', async () => {
    const user = await registerUser(t);
    const setup = await post('2fa/setup', user.accessToken);
    expect(setup.statusCode, setup.body).toBe(200);
    const { otpauthUrl, secret } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toContain(`otpauth://totp/`);
    expect(otpauthUrl).toContain(encodeURIComponent(user.email));
    expect(otpauthUrl).toContain(`secret=${secret}`);

    let row = await state(user.id);
    expect(row.enabled_at).toBeNull();
    expect(row.secret).toMatch(/^v1\./);
    expect(row.secret).not.toContain(secret); // encrypted at rest
    // Pending only: logins still need no code.
    expect((await login(user.email, STRONG_PASSWORD)).statusCode).toBe(200);

    // A wrong code: 400, nothing enabled.
    const wrong = await post('2fa/enable', user.accessToken, { code: staleCode(secret) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('VALIDATION_FAILED');
    row = await state(user.id);
    expect(row.enabled_at).toBeNull();
    expect(row.codes).toBe(0);

    const mailsBefore = smtp.messages.length;
    const enable = await post('2fa/enable', user.accessToken, { code: totp(secret) });
    expect(enable.statusCode, enable.body).toBe(200);
    const { backupCodes } = enable.json();
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    row = await state(user.id);
    expect(row.enabled_at).toBeInstanceOf(Date);
    expect(row.codes).toBe(10);
    const hashes = await db.query(
      'SELECT code_hash FROM two_factor_backup_codes WHERE user_id = $1',
      [user.id],
    );
    for (const { code_hash } of hashes) expect(backupCodes).not.toContain(code_hash.trim());
    expect(events.some((e) => e.name === 'auth.2fa.enabled' && e.payload.userId === user.id)).toBe(
      true,
    );
    const alert = await smtp.waitFor(
      (m) =>
        smtp.messages.indexOf(m) >= mailsBefore &&
        m.to.includes(user.email) &&
        m.text.includes('turned on'),
    );
    expect(alert.subject).toContain('security alert');

    // Enabled already: setup and enable answer 409 and change nothing.
    const again = await post('2fa/setup', user.accessToken);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    const reEnable = await post('2fa/enable', user.accessToken, { code: totp(secret) });
    expect(reEnable.statusCode).toBe(409);
    expect((await state(user.id)).secret).toBe(row.secret);
  });

  it('rejects enable without setup, bad bodies and anonymous callers', async () => {
    const user = await registerUser(t);
    const noSetup = await post('2fa/enable', user.accessToken, { code: '123456' });
    expect(noSetup.statusCode).toBe(409);
    expect(noSetup.json().code).toBe('CONFLICT');
    const empty = await post('2fa/enable', user.accessToken, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('VALIDATION_FAILED');
    const anonymous = await post('2fa/setup', undefined);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHENTICATED');
    const notOn = await post('2fa/disable', user.accessToken, {
      password: STRONG_PASSWORD,
      code: '123456',
    });
    expect(notOn.statusCode).toBe(409);
    expect(notOn.json().code).toBe('CONFLICT');
    expect((await state(user.id)).enabled_at).toBeNull();
  });

  it('requires the code at login: missing → OTP_REQUIRED, wrong → 401, right → 200', async () => {
    const user = await registerUser(t);
    const { secret } = await enableFor(user);

    const missing = await login(user.email, STRONG_PASSWORD);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().code).toBe('OTP_REQUIRED');
    expect(missing.body).not.toContain('accessToken');

    const wrong = await login(user.email, STRONG_PASSWORD, staleCode(secret));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('UNAUTHENTICATED');

    // A wrong password with a right code is still the generic failure.
    const badPassword = await login(user.email, 'not the password at all', totp(secret));
    expect(badPassword.statusCode).toBe(401);
    expect(badPassword.json().code).toBe('UNAUTHENTICATED');

    const ok = await login(user.email, STRONG_PASSWORD, await freshCode(secret));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().accessToken).toEqual(expect.any(String));

    const gqlMissing = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: { email: user.email, password: STRONG_PASSWORD } } },
    );
    expect(gqlMissing.json().errors[0].extensions.code).toBe('OTP_REQUIRED');
    const otp = await freshCode(secret);
    const gqlOk = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: { email: user.email, password: STRONG_PASSWORD, otp } } },
    );
    expect(gqlOk.json().data.login.accessToken).toEqual(expect.any(String));
  });

  it('accepts a TOTP code once (RFC 6238 §5.2): a replay is a wrong code, on REST and GraphQL', async () => {
    const user = await registerUser(t);
    const { secret } = await enableFor(user);
    const enableCode = totp(secret, handedOut.get(secret)! * STEP_MS);
    const gqlLogin = (otp: string) =>
      t.gql('mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', {
        variables: { input: { email: user.email, password: STRONG_PASSWORD, otp } },
      });

    // The code that turned two-factor on is spent already.
    const afterEnable = await login(user.email, STRONG_PASSWORD, enableCode);
    expect(afterEnable.statusCode).toBe(401);
    expect(afterEnable.json().code).toBe('UNAUTHENTICATED');

    const restCode = await freshCode(secret);
    const first = await login(user.email, STRONG_PASSWORD, restCode);
    expect(first.statusCode, first.body).toBe(200);
    const again = await login(user.email, STRONG_PASSWORD, restCode);
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('UNAUTHENTICATED');
    expect(again.body).not.toContain('accessToken');
    const gqlReplay = await gqlLogin(restCode);
    expect(gqlReplay.json().data).toBeNull();
    expect(gqlReplay.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const gqlCode = await freshCode(secret);
    expect((await gqlLogin(gqlCode)).json().data.login.accessToken).toEqual(expect.any(String));
    const gqlAgain = await gqlLogin(gqlCode);
    expect(gqlAgain.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await login(user.email, STRONG_PASSWORD, gqlCode)).statusCode).toBe(401);

    // An older code of the window is refused too once a later one was accepted.
    const disable = await post('2fa/disable', user.accessToken, {
      password: STRONG_PASSWORD,
      code: restCode,
    });
    expect(disable.statusCode).toBe(400);
    expect(disable.json().errors[0].field).toBe('code');
    expect((await state(user.id)).enabled_at).toBeInstanceOf(Date);
  });

  it('lets only one of two concurrent logins with the same code through', async () => {
    const user = await registerUser(t);
    const { secret } = await enableFor(user);
    const code = await freshCode(secret);
    const results = await Promise.all([
      login(user.email, STRONG_PASSWORD, code),
      login(user.email, STRONG_PASSWORD, code),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('counts wrong codes towards the login lockout (AUTH_LOGIN_MAX_FAILURES, default 5)', async () => {
    const user = await registerUser(t);
    const { secret } = await enableFor(user);
    for (let i = 0; i < 5; i += 1) {
      const res = await login(user.email, STRONG_PASSWORD, staleCode(secret));
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
    const locked = await login(user.email, STRONG_PASSWORD, totp(secret));
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('accepts each backup code once at login', async () => {
    const user = await registerUser(t);
    const { backupCodes } = await enableFor(user);
    const code = backupCodes[0]!;
    const first = await login(user.email, STRONG_PASSWORD, code.toUpperCase());
    expect(first.statusCode, first.body).toBe(200);
    expect((await state(user.id)).used).toBe(1);
    const second = await login(user.email, STRONG_PASSWORD, code);
    expect(second.statusCode).toBe(401);
    expect(second.json().code).toBe('UNAUTHENTICATED');
    expect((await state(user.id)).used).toBe(1);
  });

  it('disables with the password and a code (or a backup code); bad inputs change nothing', async () => {
    const user = await registerUser(t);
    const { secret, backupCodes } = await enableFor(user);
    const before = await state(user.id);

    const wrongPassword = await post('2fa/disable', user.accessToken, {
      password: 'not the password at all',
      code: totp(secret),
    });
    expect(wrongPassword.statusCode).toBe(400);
    expect(wrongPassword.json().code).toBe('VALIDATION_FAILED');
    expect(wrongPassword.json().errors[0].field).toBe('password');

    const wrongCode = await post('2fa/disable', user.accessToken, {
      password: STRONG_PASSWORD,
      code: staleCode(secret),
    });
    expect(wrongCode.statusCode).toBe(400);
    expect(wrongCode.json().errors[0].field).toBe('code');

    const missing = await post('2fa/disable', user.accessToken, { password: STRONG_PASSWORD });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('VALIDATION_FAILED');
    expect(await state(user.id)).toEqual(before);

    const mailsBefore = smtp.messages.length;
    const ok = await post('2fa/disable', user.accessToken, {
      password: STRONG_PASSWORD,
      code: backupCodes[3],
    });
    expect(ok.statusCode, ok.body).toBe(204);
    expect(await state(user.id)).toEqual({ secret: null, enabled_at: null, codes: 0, used: 0 });
    expect(events.some((e) => e.name === 'auth.2fa.disabled' && e.payload.userId === user.id)).toBe(
      true,
    );
    const alert = await smtp.waitFor(
      (m) =>
        smtp.messages.indexOf(m) >= mailsBefore &&
        m.to.includes(user.email) &&
        m.text.includes('turned off'),
    );
    expect(alert.subject).toContain('security alert');
    expect((await login(user.email, STRONG_PASSWORD)).statusCode).toBe(200);
  });

  it('works through GraphQL: setupTwoFactor, enableTwoFactor, disableTwoFactor', async () => {
    const user = await registerUser(t);
    const setup = await t.gql('mutation { setupTwoFactor { otpauthUrl secret } }', {
      token: user.accessToken,
    });
    const { secret } = setup.json().data.setupTwoFactor;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await t.gql(
      'mutation E($code: String!) { enableTwoFactor(code: $code) { backupCodes } }',
      {
        token: user.accessToken,
        variables: { code: staleCode(secret) },
      },
    );
    expect(wrong.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await state(user.id)).enabled_at).toBeNull();

    const enable = await t.gql(
      'mutation E($code: String!) { enableTwoFactor(code: $code) { backupCodes } }',
      { token: user.accessToken, variables: { code: await freshCode(secret) } },
    );
    expect(enable.json().data.enableTwoFactor.backupCodes).toHaveLength(10);
    expect((await state(user.id)).enabled_at).toBeInstanceOf(Date);

    const disableQuery =
      'mutation D($input: DisableTwoFactorInput!) { disableTwoFactor(input: $input) }';
    const badPassword = await t.gql(disableQuery, {
      token: user.accessToken,
      variables: { input: { password: 'not the password at all', code: totp(secret) } },
    });
    expect(badPassword.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await state(user.id)).enabled_at).toBeInstanceOf(Date);

    const disable = await t.gql(disableQuery, {
      token: user.accessToken,
      variables: { input: { password: STRONG_PASSWORD, code: await freshCode(secret) } },
    });
    expect(disable.json().data.disableTwoFactor).toBe(true);
    expect((await state(user.id)).enabled_at).toBeNull();

    const anonymous = await t.gql('mutation { setupTwoFactor { secret } }');
    expect(anonymous.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('auth: AUTH_REQUIRE_2FA_FOR_ADMINS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH, AUTH_REQUIRE_2FA_FOR_ADMINS: 'true' } });
  });
  afterAll(() => t?.close());

  it('lets an admin without 2FA reach only the 2fa routes, /users/me and logout', async () => {
    const user = await registerUser(t);
    const admin = await t.tokenFor({ id: user.id, roles: ['user', 'admin'] });

    const sessions = await t.rest({ url: '/api/v1/auth/sessions', token: admin });
    expect(sessions.statusCode).toBe(403);
    expect(sessions.json().code).toBe('TWO_FACTOR_REQUIRED');
    const gql = await t.gql('{ sessions { items { id } } }', { token: admin });
    expect(gql.json().errors[0].extensions.code).toBe('TWO_FACTOR_REQUIRED');

    expect((await t.rest({ url: '/api/v1/users/me', token: admin })).statusCode).toBe(200);
    expect((await t.gql('{ me { id } }', { token: admin })).json().data.me.id).toBe(user.id);
    // A plain user is not concerned.
    expect(
      (await t.rest({ url: '/api/v1/auth/sessions', token: user.accessToken })).statusCode,
    ).toBe(200);

    const setup = await t.rest({ method: 'POST', url: '/api/v1/auth/2fa/setup', token: admin });
    expect(setup.statusCode, setup.body).toBe(200);
    const enable = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/2fa/enable',
      token: admin,
      payload: { code: totp(setup.json().secret) },
    });
    expect(enable.statusCode, enable.body).toBe(200);
    expect((await t.rest({ url: '/api/v1/auth/sessions', token: admin })).statusCode).toBe(200);

    const logout = await t.rest({ method: 'POST', url: '/api/v1/auth/logout', token: admin });
    expect(logout.statusCode).toBe(204);
  });
});
