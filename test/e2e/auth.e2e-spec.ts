import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig } from '../../src/config/auth.config.js';
import { parseEnv, requiresVerifiedEmail } from '../../src/config/env.schema.js';
import { bootApp, type TestApp } from '../support/app.js';
import { type RecordedEvent, recordEvents } from '../support/events.js';
import { bootAppWithMailbox, type MailboxApp } from '../support/mailbox.js';
import {
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  FAST_AUTH,
} from '../factories/user.factory.js';

describe('auth', () => {
  let t: TestApp;
  let db: DataSource;
  let events: RecordedEvent[];

  beforeAll(async () => {
    t = await bootApp({ env: FAST_AUTH });
    db = t.app.get<DataSource>(getDataSourceToken());
    events = recordEvents(t.app);
  });
  afterAll(() => t.close());

  const countUsers = async (email: string) =>
    Number((await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n);

  describe('register', () => {
    it('creates the account with the user role and answers 201 with a token pair (REST)', async () => {
      const email = uniqueEmail('ada');
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: {
          email: email.toUpperCase(),
          password: STRONG_PASSWORD,
          username: `ada_${Date.now()}`,
        },
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.user).toMatchObject({ email, roles: ['user'], emailVerified: false });
      expect(body.expiresIn).toBe(900);
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body).not.toContain('password');
      expect(events.some((e) => e.name === 'auth.registered' && e.payload.email === email)).toBe(
        true,
      );
      const stored = await db.query('SELECT password_hash FROM users WHERE email = $1', [email]);
      expect(stored[0].password_hash).toMatch(/^\$argon2id\$/);
    });

    it('registers through GraphQL', async () => {
      const email = uniqueEmail('gql');
      const res = await t.gql(
        'mutation R($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn user { email roles } } }',
        { variables: { input: { email, password: STRONG_PASSWORD } } },
      );
      expect(res.json().errors).toBeUndefined();
      expect(res.json().data.register.user).toEqual({ email, roles: ['user'] });
    });

    it('answers 409 CONFLICT for an email already taken, in any case, and writes nothing', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: user.email.toUpperCase(), password: STRONG_PASSWORD },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('CONFLICT');
      expect(await countUsers(user.email)).toBe(1);
    });

    it.each([
      ['too short', 'Sh0rt!pw', 'must be at least 10 characters'],
      ['common', 'password123', 'is too common'],
      ['repetitive', 'aaaaaaaaaaaa', 'is too repetitive'],
    ])(
      'refuses a %s password with 400 and a field error, writing nothing',
      async (_label, password, message) => {
        const email = uniqueEmail('weak');
        const res = await t.rest({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'password', message }],
        });
        expect(await countUsers(email)).toBe(0);
      },
    );

    it('refuses unknown fields (mass assignment of roles) and bad emails with 400, writing nothing', async () => {
      const email = uniqueEmail('mass');
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: STRONG_PASSWORD, roles: ['admin'], isAdmin: true },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(
        res
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['isAdmin', 'roles']);
      expect(await countUsers(email)).toBe(0);
      const bad = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: 'not-an-email', password: STRONG_PASSWORD },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('email');
    });

    it('refuses a weak password over GraphQL with BAD_USER_INPUT', async () => {
      const res = await t.gql(
        'mutation { register(input: { email: "x@example.com", password: "short" }) { accessToken } }',
      );
      expect(res.json().errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    });
  });

  describe('login', () => {
    it('logs in (REST and GraphQL) and the token reads /users/me and `me`', async () => {
      const user = await registerUser(t);
      const tokens = await login(t, user.email, user.password);
      const me = await t.rest({ url: '/api/v1/users/me', token: tokens.accessToken });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: user.id, email: user.email, roles: ['user'] });

      const gql = await t.gql(
        `mutation { login(input: { email: "${user.email}", password: "${user.password}" }) { accessToken user { id } } }`,
      );
      const accessToken = gql.json().data.login.accessToken;
      const meGql = await t.gql('{ me { id email roles } }', { token: accessToken });
      expect(meGql.json().data.me).toEqual({ id: user.id, email: user.email, roles: ['user'] });
    });

    it('answers an unknown email and a wrong password identically (401, same body)', async () => {
      const user = await registerUser(t);
      const wrong = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: 'wrong password here' },
      });
      const unknown = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: uniqueEmail('nobody'), password: 'wrong password here' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(wrong.json())).toEqual(strip(unknown.json()));
      expect(wrong.json().code).toBe('UNAUTHENTICATED');
      expect(
        events.some((e) => e.name === 'auth.login.failed' && e.payload.email === user.email),
      ).toBe(true);
      expect(JSON.stringify(events)).not.toContain('wrong password here');
    });

    it('refuses a banned user (403) and their refresh token (401)', async () => {
      const user = await registerUser(t);
      await db.query(`UPDATE users SET banned_at = now(), ban_reason = 'spam' WHERE id = $1`, [
        user.id,
      ]);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      const refresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });

    it('lets a temporary ban expire', async () => {
      const user = await registerUser(t);
      await db.query(
        `UPDATE users SET banned_at = now() - interval '2 days', banned_until = now() - interval '1 day' WHERE id = $1`,
        [user.id],
      );
      await login(t, user.email, user.password);
    });
  });

  describe('refresh tokens', () => {
    const refresh = (refreshToken: string) =>
      t.rest({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

    it('rotates on every use (REST and GraphQL)', async () => {
      const user = await registerUser(t);
      const first = await refresh(user.refreshToken);
      expect(first.statusCode).toBe(200);
      expect(first.json().refreshToken).not.toBe(user.refreshToken);
      const gql = await t.gql(
        'mutation R($t: String!) { refreshToken(token: $t) { refreshToken accessToken } }',
        {
          variables: { t: first.json().refreshToken },
        },
      );
      expect(gql.json().data.refreshToken.refreshToken).toEqual(expect.any(String));
    });

    it('revokes the whole session when a rotated token is presented again', async () => {
      const user = await registerUser(t);
      const rotated = await refresh(user.refreshToken);
      const reuse = await refresh(user.refreshToken);
      expect(reuse.statusCode).toBe(401);
      expect(reuse.json().code).toBe('UNAUTHENTICATED');
      // The newest token of the family no longer works either.
      expect((await refresh(rotated.json().refreshToken)).statusCode).toBe(401);
      expect(
        events.some((e) => e.name === 'auth.refresh.reused' && e.payload.userId === user.id),
      ).toBe(true);
      const [session] = await db.query('SELECT revoked_reason FROM sessions WHERE user_id = $1', [
        user.id,
      ]);
      expect(session.revoked_reason).toBe('refresh_reuse');
    });

    it('refuses garbage, empty and oversized tokens', async () => {
      expect((await refresh('garbage')).statusCode).toBe(401);
      const empty = await refresh('');
      expect(empty.statusCode).toBe(401);
      const huge = await refresh('x'.repeat(201));
      expect(huge.statusCode).toBe(400);
      expect(huge.json().code).toBe('VALIDATION_FAILED');
    });

    it('stores only hashes of refresh tokens', async () => {
      const user = await registerUser(t);
      const rows = await db.query('SELECT refresh_token_hash FROM sessions WHERE user_id = $1', [
        user.id,
      ]);
      expect(rows[0].refresh_token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(user.refreshToken);
    });
  });

  describe('logout and sessions', () => {
    it('logout (204) ends the session: its refresh token stops working', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/logout',
        token: user.accessToken,
        payload: {},
      });
      expect(res.statusCode).toBe(204);
      const after = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(after.statusCode).toBe(401);
    });

    it('logout over GraphQL', async () => {
      const user = await registerUser(t);
      const res = await t.gql('mutation { logout }', { token: user.accessToken });
      expect(res.json().data.logout).toBe(true);
      const rows = await db.query('SELECT revoked_reason FROM sessions WHERE user_id = $1', [
        user.id,
      ]);
      expect(rows[0].revoked_reason).toBe('logout');
    });

    it('lists my sessions with the current one flagged, revokes one and all others', async () => {
      const user = await registerUser(t);
      const second = await login(t, user.email, user.password);
      await login(t, user.email, user.password);
      const list = await t.rest({ url: '/api/v1/auth/sessions', token: second.accessToken });
      expect(list.statusCode).toBe(200);
      const page = list.json() as {
        items: Array<{ id: string; current: boolean; ip: string }>;
        nextCursor: string | null;
        totalCount: number;
      };
      expect(page).toMatchObject({ nextCursor: null, totalCount: 3 });
      const sessions = page.items;
      expect(sessions).toHaveLength(3);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      expect(sessions[0].ip).toBe('127.0.0.1');

      const other = sessions.find((s) => !s.current)!;
      const revoke = await t.rest({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${other.id}`,
        token: second.accessToken,
      });
      expect(revoke.statusCode).toBe(204);
      const gql = await t.gql('mutation { revokeOtherSessions }', { token: second.accessToken });
      expect(gql.json().data.revokeOtherSessions).toBe(1);
      const remaining = await t.gql('{ sessions { items { id current } totalCount } }', {
        token: second.accessToken,
      });
      expect(remaining.json().data.sessions).toEqual({
        items: [{ id: expect.any(String), current: true }],
        totalCount: 1,
      });
    });

    it("answers 404 for another user's session and leaves it alone (IDOR)", async () => {
      const alice = await registerUser(t);
      const mallory = await registerUser(t);
      const [aliceSession] = await db.query('SELECT id FROM sessions WHERE user_id = $1', [
        alice.id,
      ]);
      const res = await t.rest({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${aliceSession.id}`,
        token: mallory.accessToken,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
      const [after] = await db.query('SELECT revoked_at FROM sessions WHERE id = $1', [
        aliceSession.id,
      ]);
      expect(after.revoked_at).toBeNull();
      const gql = await t.gql(`mutation { revokeSession(id: "${aliceSession.id}") }`, {
        token: mallory.accessToken,
      });
      expect(gql.json().errors[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  describe('profile and password', () => {
    it('updates the profile fields (REST and GraphQL)', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'PATCH',
        url: '/api/v1/users/me',
        token: user.accessToken,
        payload: {
          firstName: 'Ada',
          lastName: 'Lovelace',
          bio: 'Analyst',
          timezone: 'Europe/Kyiv',
          locale: 'uk-UA',
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        firstName: 'Ada',
        timezone: 'Europe/Kyiv',
        locale: 'uk-UA',
      });
      const gql = await t.gql(
        'mutation { updateProfile(input: { bio: "Poet" }) { bio firstName } }',
        {
          token: user.accessToken,
        },
      );
      expect(gql.json().data.updateProfile).toEqual({ bio: 'Poet', firstName: 'Ada' });
    });

    it.each([
      ['a bio over 500 characters', { bio: 'x'.repeat(501) }, 'bio'],
      ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
      ['a malformed locale', { locale: 'not a locale!' }, 'locale'],
      ['roles (mass assignment)', { roles: ['admin'] }, 'roles'],
      ['isAdmin (mass assignment)', { isAdmin: true }, 'isAdmin'],
    ])('refuses %s with 400 and changes nothing', async (_label, payload, field) => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'PATCH',
        url: '/api/v1/users/me',
        token: user.accessToken,
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      const me = await t.rest({ url: '/api/v1/users/me', token: user.accessToken });
      expect(me.json()).toMatchObject({ bio: null, timezone: null, locale: null, roles: ['user'] });
    });

    it('changes the password: needs the current one, revokes the other sessions', async () => {
      const user = await registerUser(t);
      const other = await login(t, user.email, user.password);
      const wrong = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/password',
        token: user.accessToken,
        payload: { currentPassword: 'not the password', newPassword: 'a brand new passphrase' },
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors).toEqual([{ field: 'currentPassword', message: 'is incorrect' }]);
      const weak = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/password',
        token: user.accessToken,
        payload: { currentPassword: user.password, newPassword: 'short' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().errors[0].field).toBe('newPassword');

      const ok = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/password',
        token: user.accessToken,
        payload: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
      });
      expect(ok.statusCode).toBe(204);
      const otherRefresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: other.refreshToken },
      });
      expect(otherRefresh.statusCode).toBe(401);
      const ownRefresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(ownRefresh.statusCode).toBe(200);
      await login(t, user.email, 'a brand new passphrase');
      const old = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(old.statusCode).toBe(401);
      expect(
        events.some((e) => e.name === 'auth.password.changed' && e.payload.userId === user.id),
      ).toBe(true);
    });

    it('changes the password over GraphQL', async () => {
      const user = await registerUser(t);
      const res = await t.gql(
        'mutation C($input: ChangePasswordInput!) { changePassword(input: $input) }',
        {
          token: user.accessToken,
          variables: {
            input: { currentPassword: user.password, newPassword: 'another fine passphrase' },
          },
        },
      );
      expect(res.json().data.changePassword).toBe(true);
    });
  });

  describe('tokens', () => {
    it('rejects a tampered token with 401', async () => {
      const user = await registerUser(t);
      const [header, payload, signature] = user.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.roles = ['admin'];
      const forged = [
        header,
        Buffer.from(JSON.stringify(claims)).toString('base64url'),
        signature,
      ].join('.');
      const res = await t.rest({ url: '/api/v1/users/me', token: forged });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    });

    it('counts registrations and logins by result in /metrics', async () => {
      const text = (await t.rest({ url: '/metrics' })).body;
      expect(text).toMatch(/users_registered_total [1-9]/);
      expect(text).toMatch(/logins_total\{result="success"\} [1-9]/);
      expect(text).toMatch(/logins_total\{result="failure"\} [1-9]/);
      expect(text).toMatch(/logins_total\{result="banned"\} [1-9]/);
    });
  });
});

describe('auth: registration without account enumeration', () => {
  let t: MailboxApp;
  let db: DataSource;
  let events: RecordedEvent[];
  /** Emails of the `auth.registered` events so far. */
  const registered = () =>
    events.filter((e) => e.name === 'auth.registered').map((e) => e.payload.email);

  beforeAll(async () => {
    // AUTH_REGISTRATION_ENUMERATION_SAFE unset: it follows AUTH_REQUIRE_VERIFIED_EMAIL.
    t = await bootAppWithMailbox({
      env: {
        ...FAST_AUTH,
        AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
        PUBLIC_URL: 'https://app.example.test',
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    events = recordEvents(t.app);
  });
  afterAll(() => t?.close());

  const register = (payload: Record<string, unknown>) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/register', payload });
  const usersSnapshot = async () =>
    db.query('SELECT id, email, username, password_hash, updated_at FROM users ORDER BY id');
  /** Every key path of a JSON value, arrays by their element keys: the shape, not the values. */
  const shape = (value: unknown, path = ''): string[] => {
    if (Array.isArray(value)) return [`${path}[]`, ...value.flatMap((v) => shape(v, `${path}[]`))];
    if (value && typeof value === 'object') {
      return Object.entries(value).flatMap(([k, v]) => [
        `${path}.${k}:${v === null ? 'null' : typeof v}`,
        ...shape(v, `${path}.${k}`),
      ]);
    }
    return [];
  };
  const uniq = (paths: string[]) => [...new Set(paths)].sort();
  const registrationMail = (to: string) =>
    t.smtp.waitFor((m) => m.to.includes(to) && /tried to register/.test(m.subject));

  it('defaults to AUTH_REQUIRE_VERIFIED_EMAIL (on in production) and needs it', () => {
    expect(t.app.get<{ registrationEnumerationSafe: boolean }>(authConfig.KEY)).toMatchObject({
      requireVerifiedEmail: true,
      registrationEnumerationSafe: true,
    });
    expect(requiresVerifiedEmail(parseEnv({}))).toBe(false);
    expect(requiresVerifiedEmail({ ...parseEnv({}), NODE_ENV: 'production' })).toBe(true);
    expect(() => parseEnv({ AUTH_REGISTRATION_ENUMERATION_SAFE: 'true' })).toThrow(
      /AUTH_REGISTRATION_ENUMERATION_SAFE=true needs AUTH_REQUIRE_VERIFIED_EMAIL=true/,
    );
    expect(
      parseEnv({ AUTH_REGISTRATION_ENUMERATION_SAFE: 'true', AUTH_REQUIRE_VERIFIED_EMAIL: 'true' })
        .AUTH_REGISTRATION_ENUMERATION_SAFE,
    ).toBe(true);
    expect(() => parseEnv({ AUTH_REGISTRATION_ENUMERATION_SAFE: 'maybe' })).toThrow(
      /AUTH_REGISTRATION_ENUMERATION_SAFE/,
    );
  });

  it('answers a taken email like a new one (201, same shape), mails its owner, writes nothing', async () => {
    const owner = await register({ email: uniqueEmail('owner'), password: STRONG_PASSWORD });
    expect(owner.statusCode, owner.body).toBe(201);
    const ownerEmail = owner.json().user.email as string;
    const ownerId = owner.json().user.id as string;

    const fresh = await register({ email: uniqueEmail('fresh'), password: STRONG_PASSWORD });
    const before = await usersSnapshot();
    const taken = await register({ email: ownerEmail.toUpperCase(), password: STRONG_PASSWORD });
    expect(taken.statusCode, taken.body).toBe(201);
    expect(fresh.statusCode).toBe(201);
    expect(uniq(shape(taken.json()))).toEqual(uniq(shape(fresh.json())));
    expect(Object.keys(taken.json())).toEqual(['user']);
    expect(taken.json().user).toMatchObject({
      email: ownerEmail,
      emailVerified: false,
      roles: ['user'],
      username: null,
    });
    // A plausible id that is neither the owner's nor stored anywhere.
    const fakeId = taken.json().user.id as string;
    expect(fakeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fakeId).not.toBe(ownerId);
    expect(await usersSnapshot()).toEqual(before);
    expect(await db.query('SELECT 1 FROM users WHERE id = $1', [fakeId])).toEqual([]);
    expect(registered().filter((e) => e === ownerEmail)).toHaveLength(1);

    const notice = await registrationMail(ownerEmail);
    expect(notice.text).toContain('https://app.example.test/login');
    expect(notice.text).toMatch(/sign in .*reset it/);
    expect(notice.text).not.toMatch(/token=/);
  });

  it('answers the same over GraphQL and mails the owner', async () => {
    const owner = await registerUser(t);
    const query =
      'mutation R($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn user { id email username emailVerified roles createdAt } } }';
    const fresh = await t.gql(query, {
      variables: { input: { email: uniqueEmail('gql-fresh'), password: STRONG_PASSWORD } },
    });
    const before = await usersSnapshot();
    const taken = await t.gql(query, {
      variables: { input: { email: owner.email, password: STRONG_PASSWORD } },
    });
    expect(taken.statusCode).toBe(fresh.statusCode);
    expect(taken.json().errors, taken.body).toBeUndefined();
    expect(uniq(shape(taken.json()))).toEqual(uniq(shape(fresh.json())));
    expect(taken.json().data.register).toMatchObject({
      accessToken: null,
      refreshToken: null,
      expiresIn: null,
      user: { email: owner.email, emailVerified: false },
    });
    expect(taken.json().data.register.user.id).not.toBe(owner.id);
    expect(await usersSnapshot()).toEqual(before);
    await registrationMail(owner.email);
  });

  it('still answers 409 on a taken username (public anyway), whoever owns the email, writing nothing', async () => {
    const username = `taken_${Date.now()}`;
    const owner = await register({
      email: uniqueEmail('handle'),
      password: STRONG_PASSWORD,
      username,
    });
    expect(owner.statusCode, owner.body).toBe(201);
    const before = await usersSnapshot();
    for (const email of [uniqueEmail('other'), owner.json().user.email as string]) {
      const res = await register({ email, password: STRONG_PASSWORD, username });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'CONFLICT',
        errors: [{ field: 'username', message: 'is already taken' }],
      });
    }
    expect(await usersSnapshot()).toEqual(before);
  });
});

describe('auth rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: { RATE_LIMIT_STRICT: '3/1m', ARGON2_MEMORY_KIB: '8192', ARGON2_ITERATIONS: '1' },
    });
  });
  afterAll(() => t.close());

  it('puts login under the strict limit: brute force gets 429 RATE_LIMIT_EXCEEDED', async () => {
    const attempt = () =>
      t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: uniqueEmail(), password: 'guess guess guess' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
