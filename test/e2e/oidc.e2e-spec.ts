import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_AUTH, login, registerUser, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { totp } from '../../src/modules/auth/totp.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

// Never listened on: the provider's redirects to it are read, then injected into the app.
const PUBLIC_URL = 'http://127.0.0.1:3999';
const FRONTEND = 'http://127.0.0.1:3999/app/signed-in';
const callbackOf = (provider: string) => `${PUBLIC_URL}/api/v1/auth/oidc/${provider}/callback`;
const client = (provider: string) => ({
  clientId: `starter-${provider}`,
  clientSecret: `secret-of-${provider}-${randomUUID()}`,
  redirectUris: [callbackOf(provider)],
});

type Json = Record<string, unknown>;

interface Flow {
  /** Where the app sent the browser at the end (the front-end, with `code`, `linked` or `error`). */
  landing: URL;
  /** The callback request as the provider redirected the browser to it. */
  callback: URL;
  cookie: string;
}

const db = (t: TestApp) => t.app.get<DataSource>(getDataSourceToken());
const count = async (t: TestApp, sql: string, params: unknown[] = []): Promise<number> =>
  ((await db(t).query(sql, params)) as Array<{ n: number }>)[0].n;

describe('OpenID Connect sign-in (a real provider on loopback)', () => {
  let t: TestApp;
  let corp: TestOidcProvider; // trusted for e-mail
  let lax: TestOidcProvider; // not trusted for e-mail
  const corpClient = client('corp');
  const laxClient = client('lax');

  beforeAll(async () => {
    corp = await startOidcProvider({ clients: [corpClient] });
    lax = await startOidcProvider({ clients: [laxClient] });
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        PUBLIC_URL,
        OIDC_PROVIDERS: 'corp,lax',
        OIDC_CORP_ISSUER: corp.issuer,
        OIDC_CORP_CLIENT_ID: corpClient.clientId,
        OIDC_CORP_CLIENT_SECRET: corpClient.clientSecret,
        OIDC_CORP_TRUST_EMAIL: 'true',
        OIDC_CORP_NAME: 'Corp SSO',
        OIDC_LAX_ISSUER: lax.issuer,
        OIDC_LAX_CLIENT_ID: laxClient.clientId,
        OIDC_LAX_CLIENT_SECRET: laxClient.clientSecret,
        OIDC_REDIRECT_URL: FRONTEND,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await corp?.close();
    await lax?.close();
  });

  /** Starts at the app, signs in at the provider as `sub`, returns to the app's callback. */
  async function run(
    provider: string,
    sub: string,
    options: { query?: string; beforeCallback?: () => Promise<void> } = {},
  ): Promise<Flow> {
    const op = provider === 'corp' ? corp : lax;
    const start = await t.rest({
      url: `/api/v1/auth/oidc/${provider}${options.query ?? ''}`,
    });
    expect(start.statusCode, start.body).toBe(302);
    const cookie = String(start.headers['set-cookie']).split(';')[0];
    const callback = await op.authorize(String(start.headers.location), sub);
    await options.beforeCallback?.();
    const back = await t.rest({
      url: `${callback.pathname}${callback.search}`,
      headers: { cookie },
    });
    expect(back.statusCode, back.body).toBe(302);
    return { landing: new URL(String(back.headers.location)), callback, cookie };
  }

  const exchange = (code: string, otp?: string) =>
    t.rest({ method: 'POST', url: '/api/v1/auth/oidc/exchange', payload: { code, otp } });

  async function signIn(provider: string, sub: string): Promise<{ userId: string; token: string }> {
    const { landing } = await run(provider, sub);
    expect(landing.searchParams.get('error')).toBeNull();
    const res = await exchange(landing.searchParams.get('code') ?? '');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { user: { id: string }; accessToken: string };
    return { userId: body.user.id, token: body.accessToken };
  }

  const identitiesOf = (userId: string) =>
    db(t).query(
      'SELECT provider, subject, email::text AS email, email_verified FROM user_identities WHERE user_id = $1',
      [userId],
    ) as Promise<
      Array<{ provider: string; subject: string; email: string; email_verified: boolean }>
    >;

  const auditActions = (userId: string) =>
    db(t)
      .query('SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY id', [userId])
      .then((rows: Array<{ action: string }>) => rows.map((r) => r.action));

  it('lists the configured providers over REST and GraphQL', async () => {
    const rest = await t.rest({ url: '/api/v1/auth/providers' });
    expect(rest.statusCode).toBe(200);
    const expected = [
      { id: 'corp', name: 'Corp SSO' },
      { id: 'lax', name: 'lax' },
    ];
    expect(rest.json()).toEqual(expected);
    const gql = await t.gql('{ authProviders { id name } }');
    expect(gql.json().data.authProviders).toEqual(expected);
  });

  it('redirects to the provider with PKCE S256, state and nonce, and sets the browser cookie', async () => {
    const res = await t.rest({ url: '/api/v1/auth/oidc/corp' });
    expect(res.statusCode).toBe(302);
    const url = new URL(String(res.headers.location));
    expect(url.origin).toBe(corp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('redirect_uri')).toBe(callbackOf('corp'));
    expect(String(res.headers['set-cookie'])).toMatch(
      /^oidc_browser=[A-Za-z0-9_-]{43}; Path=\/api\/v1\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax/,
    );
    // Only hashes are stored: the state itself is nowhere in the database.
    const state = url.searchParams.get('state') ?? '';
    expect(
      await count(t, 'SELECT count(*)::int AS n FROM oidc_flows WHERE state_hash = $1', [state]),
    ).toBe(0);
  });

  it('signs a new person up: verified e-mail, no password, one identity, a session through the one-time code', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('oidc-new');
    corp.setAccount({ sub, email, email_verified: true, name: 'New Person' });
    const { landing } = await run('corp', sub);
    expect(landing.origin + landing.pathname).toBe(FRONTEND);
    expect([...landing.searchParams.keys()]).toEqual(['code']);
    const code = landing.searchParams.get('code') ?? '';

    const gql = await t.gql(
      'mutation X($input: ExchangeOidcCodeInput!) { exchangeOidcCode(input: $input) { user { id email emailVerified } accessToken refreshToken } }',
      { variables: { input: { code } } },
    );
    const payload = gql.json().data.exchangeOidcCode;
    expect(payload.user).toMatchObject({ email, emailVerified: true });
    expect(payload.accessToken).toBeTruthy();
    const me = await t.rest({ url: '/api/v1/users/me', token: payload.accessToken });
    expect(me.json().email).toBe(email);

    const [user] = await db(t).query(
      'SELECT password_hash, email_verified_at FROM users WHERE id = $1',
      [payload.user.id],
    );
    expect(user.password_hash).toBeNull();
    expect(user.email_verified_at).not.toBeNull();
    expect(await identitiesOf(payload.user.id)).toEqual([
      { provider: 'corp', subject: sub, email, email_verified: true },
    ]);
    // A passwordless account is not signed in with a guessed (or the dummy) password.
    for (const password of ['not-a-real-password', 'anything at all']) {
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password },
      });
      expect(res.statusCode).toBe(401);
    }

    // The code is single use.
    const again = await exchange(code);
    expect(again.statusCode).toBe(400);
    expect(again.json().code).toBe('OIDC_CODE_INVALID');
    await eventually(async () =>
      expect(await auditActions(payload.user.id)).toEqual(
        expect.arrayContaining(['auth.registered', 'identity.linked', 'auth.login.succeeded']),
      ),
    );
  });

  it('signs a known identity in again, keeping the latest e-mail on the identity only', async () => {
    const sub = randomUUID();
    const first = uniqueEmail('oidc-first');
    corp.setAccount({ sub, email: first, email_verified: true });
    const one = await signIn('corp', sub);
    const changed = uniqueEmail('oidc-changed');
    corp.setAccount({ sub, email: changed, email_verified: false });
    const two = await signIn('corp', sub);
    expect(two.userId).toBe(one.userId);
    expect(await identitiesOf(one.userId)).toEqual([
      { provider: 'corp', subject: sub, email: changed, email_verified: false },
    ]);
    const me = await t.rest({ url: '/api/v1/users/me', token: two.token });
    expect(me.json().email).toBe(first);
    expect(await count(t, 'SELECT count(*)::int AS n FROM users WHERE email = $1', [changed])).toBe(
      0,
    );
  });

  it('asks for the second factor at the exchange: a missing otp keeps the code, a wrong one spends it', async () => {
    const user = await registerUser(t);
    const sub = randomUUID();
    corp.setAccount({ sub, email: uniqueEmail('with-2fa'), email_verified: false });
    const link = await t.rest({
      method: 'POST',
      url: '/api/v1/users/me/identities/corp',
      token: user.accessToken,
    });
    const ticket = new URL(link.json().url as string).search;
    expect((await run('corp', sub, { query: ticket })).landing.searchParams.get('linked')).toBe(
      'corp',
    );
    const setup = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/2fa/setup',
      token: user.accessToken,
    });
    const secret = setup.json().secret as string;
    const enable = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/2fa/enable',
      token: user.accessToken,
      payload: { code: totp(secret) },
    });
    expect(enable.statusCode, enable.body).toBe(200);
    const [backupCode] = enable.json().backupCodes as string[];

    const first = (await run('corp', sub)).landing.searchParams.get('code') ?? '';
    const missing = await exchange(first);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().code).toBe('OTP_REQUIRED');
    const wrong = await exchange(first, '000000');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('UNAUTHENTICATED');
    const spent = await exchange(first, backupCode);
    expect(spent.json().code).toBe('OIDC_CODE_INVALID');

    const second = (await run('corp', sub)).landing.searchParams.get('code') ?? '';
    const ok = await exchange(second, backupCode);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.id).toBe(user.id);
  });

  describe('hostile callbacks', () => {
    it('a forged state answers 400 OIDC_STATE_INVALID, never a redirect', async () => {
      const res = await t.rest({
        url: `/api/v1/auth/oidc/corp/callback?code=abc&state=${randomUUID()}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('OIDC_STATE_INVALID');
      const none = await t.rest({ url: '/api/v1/auth/oidc/corp/callback?code=abc' });
      expect(none.statusCode).toBe(400);
      expect(none.json().code).toBe('OIDC_STATE_INVALID');
    });

    it('a replayed callback (same state) answers 400 and signs nobody in', async () => {
      const sub = randomUUID();
      corp.setAccount({ sub, email: uniqueEmail('oidc-replay'), email_verified: true });
      const { callback, cookie } = await run('corp', sub);
      const replay = await t.rest({
        url: `${callback.pathname}${callback.search}`,
        headers: { cookie },
      });
      expect(replay.statusCode).toBe(400);
      expect(replay.json().code).toBe('OIDC_STATE_INVALID');
    });

    it("another browser's callback (no or another cookie) is refused, and the state is spent", async () => {
      const sub = randomUUID();
      const email = uniqueEmail('oidc-csrf');
      corp.setAccount({ sub, email, email_verified: true });
      const start = await t.rest({ url: '/api/v1/auth/oidc/corp' });
      const cookie = String(start.headers['set-cookie']).split(';')[0];
      const callback = await corp.authorize(String(start.headers.location), sub);
      const path = `${callback.pathname}${callback.search}`;
      const foreign = await t.rest({
        url: path,
        headers: { cookie: `oidc_browser=${'x'.repeat(43)}` },
      });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json().code).toBe('OIDC_STATE_INVALID');
      const owner = await t.rest({ url: path, headers: { cookie } });
      expect(owner.statusCode).toBe(400);
      expect(await count(t, 'SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).toBe(
        0,
      );
    });

    it('a wrong nonce in the ID token fails the sign-in, and nothing is written', async () => {
      const sub = randomUUID();
      const email = uniqueEmail('oidc-nonce');
      corp.setAccount({ sub, email, email_verified: true });
      const { landing } = await run('corp', sub, {
        // As if the ID token had been minted for another flow: the stored nonce differs.
        beforeCallback: async () => {
          await db(t).query("UPDATE oidc_flows SET nonce = 'another-flows-nonce'");
        },
      });
      expect(landing.searchParams.get('error')).toBe('OIDC_LOGIN_FAILED');
      expect(landing.searchParams.get('code')).toBeNull();
      expect(await count(t, 'SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).toBe(
        0,
      );
      expect(
        await count(t, 'SELECT count(*)::int AS n FROM user_identities WHERE subject = $1', [sub]),
      ).toBe(0);
    });

    it("a provider code replayed into another flow fails (bound to the first flow's PKCE verifier)", async () => {
      const sub = randomUUID();
      corp.setAccount({ sub, email: uniqueEmail('oidc-code'), email_verified: true });
      const first = await run('corp', sub);
      expect(first.landing.searchParams.get('code')).toBeTruthy();
      const stolen = first.callback.searchParams.get('code') ?? '';
      // A second flow whose callback carries the stolen code instead of its own.
      const start = await t.rest({ url: '/api/v1/auth/oidc/corp' });
      const cookie = String(start.headers['set-cookie']).split(';')[0];
      const callback = await corp.authorize(String(start.headers.location), sub);
      callback.searchParams.set('code', stolen);
      const res = await t.rest({
        url: `${callback.pathname}${callback.search}`,
        headers: { cookie },
      });
      expect(res.statusCode).toBe(302);
      expect(new URL(String(res.headers.location)).searchParams.get('error')).toBe(
        'OIDC_LOGIN_FAILED',
      );
    });

    it('exchange: an unknown code is 400 OIDC_CODE_INVALID, a malformed one 400 VALIDATION_FAILED', async () => {
      const unknown = await exchange('a'.repeat(43));
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().code).toBe('OIDC_CODE_INVALID');
      const empty = await exchange('');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().code).toBe('VALIDATION_FAILED');
      const gql = await t.gql(
        'mutation X($input: ExchangeOidcCodeInput!) { exchangeOidcCode(input: $input) { accessToken } }',
        { variables: { input: { code: 'b'.repeat(43) } } },
      );
      expect(gql.json().errors[0].extensions.code).toBe('OIDC_CODE_INVALID');
    });

    it('an unknown provider is 404, a malformed id 400', async () => {
      const unknown = await t.rest({ url: '/api/v1/auth/oidc/nope' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('NOT_FOUND');
      const bad = await t.rest({ url: '/api/v1/auth/oidc/NOT_AN_ID' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe('VALIDATION_FAILED');
      expect(
        await count(t, 'SELECT count(*)::int AS n FROM oidc_flows WHERE provider = $1', ['nope']),
      ).toBe(0);
    });
  });

  describe('no pre-registration hijack', () => {
    it('adopts an unverified local account for the verified owner: password, sessions, tokens, keys and pending e-mail change are gone', async () => {
      const email = uniqueEmail('oidc-victim');
      const squatter = await registerUser(t, { email });
      // The squatter prepares a way back in: an API key and an e-mail change to their address.
      const key = await t.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: squatter.accessToken,
        payload: { name: 'backdoor', scopes: [] },
      });
      expect(key.statusCode, key.body).toBe(201);
      const change = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/email',
        token: squatter.accessToken,
        payload: { newEmail: uniqueEmail('squatter'), password: squatter.password },
      });
      expect(change.statusCode, change.body).toBeLessThan(300);
      expect(
        await count(t, 'SELECT count(*)::int AS n FROM user_tokens WHERE user_id = $1', [
          squatter.id,
        ]),
      ).toBeGreaterThan(0);

      const sub = randomUUID();
      corp.setAccount({ sub, email, email_verified: true });
      const owner = await signIn('corp', sub);
      expect(owner.userId).toBe(squatter.id);

      const pw = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: squatter.password },
      });
      expect(pw.statusCode).toBe(401);
      const refresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: squatter.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
      const oldToken = await t.rest({ url: '/api/v1/users/me', token: squatter.accessToken });
      expect(oldToken.statusCode).toBe(401);
      // The key ends on every instance through the change feed: wait for this one's cache.
      await eventually(async () => {
        const res = await t.rest({ url: '/api/v1/users/me', token: key.json().key as string });
        expect(res.statusCode).toBe(401);
      });
      expect(
        await count(t, 'SELECT count(*)::int AS n FROM user_tokens WHERE user_id = $1', [
          squatter.id,
        ]),
      ).toBe(0);
      const [row] = await db(t).query(
        'SELECT password_hash, email_verified_at FROM users WHERE id = $1',
        [squatter.id],
      );
      expect(row.password_hash).toBeNull();
      expect(row.email_verified_at).not.toBeNull();
      const me = await t.rest({ url: '/api/v1/users/me', token: owner.token });
      expect(me.statusCode).toBe(200);
      await eventually(async () =>
        expect(await auditActions(squatter.id)).toContain('auth.account.adopted'),
      );
      await eventually(async () => {
        const alerts = await db(t).query(
          "SELECT title FROM notifications WHERE user_id = $1 AND type = 'security_alert'",
          [squatter.id],
        );
        expect(alerts.map((a: { title: string }) => a.title).join('\n')).toMatch(/took over/);
      });
    });

    it('links a verified local account automatically only for a trusted provider and a verified e-mail', async () => {
      const local = await registerUser(t);
      await db(t).query('UPDATE users SET email_verified_at = now() WHERE id = $1', [local.id]);

      // Not trusted for e-mail: refused even though the provider says verified.
      const laxSub = randomUUID();
      lax.setAccount({ sub: laxSub, email: local.email, email_verified: true });
      const untrusted = await run('lax', laxSub);
      expect(untrusted.landing.searchParams.get('error')).toBe('OIDC_ACCOUNT_EXISTS');

      // Trusted provider, but it does not vouch for the address.
      const corpSub = randomUUID();
      corp.setAccount({ sub: corpSub, email: local.email, email_verified: false });
      const unverified = await run('corp', corpSub);
      expect(unverified.landing.searchParams.get('error')).toBe('OIDC_ACCOUNT_EXISTS');
      expect(await identitiesOf(local.id)).toEqual([]);

      // Trusted and verified on both sides: linked, and the password still works.
      corp.setAccount({ sub: corpSub, email: local.email, email_verified: true });
      const linked = await signIn('corp', corpSub);
      expect(linked.userId).toBe(local.id);
      expect((await identitiesOf(local.id)).map((i) => i.provider)).toEqual(['corp']);
      await login(t, local.email, local.password);
    });

    it('never adopts an unverified local account for an unverified or untrusted e-mail', async () => {
      const squatter = await registerUser(t);
      const corpSub = randomUUID();
      corp.setAccount({ sub: corpSub, email: squatter.email, email_verified: false });
      expect((await run('corp', corpSub)).landing.searchParams.get('error')).toBe(
        'OIDC_ACCOUNT_EXISTS',
      );
      const laxSub = randomUUID();
      lax.setAccount({ sub: laxSub, email: squatter.email, email_verified: true });
      expect((await run('lax', laxSub)).landing.searchParams.get('error')).toBe(
        'OIDC_ACCOUNT_EXISTS',
      );
      // Untouched: the password still signs in, no identity was added.
      await login(t, squatter.email, squatter.password);
      expect(await identitiesOf(squatter.id)).toEqual([]);
    });
  });

  describe('linking and unlinking from the account', () => {
    it('links a provider through a one-time URL, lists it, signs in with it, unlinks it', async () => {
      const user = await registerUser(t);
      const sub = randomUUID();
      lax.setAccount({ sub, email: uniqueEmail('other-address'), email_verified: false });
      const startRes = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/identities/lax',
        token: user.accessToken,
      });
      expect(startRes.statusCode, startRes.body).toBe(200);
      const url = new URL(startRes.json().url as string);
      expect(url.origin + url.pathname).toBe(`${PUBLIC_URL}/api/v1/auth/oidc/lax`);
      const { landing } = await run('lax', sub, { query: url.search });
      expect(landing.searchParams.get('linked')).toBe('lax');

      // The ticket was single use.
      const reuse = await t.rest({ url: `/api/v1/auth/oidc/lax${url.search}` });
      expect(reuse.statusCode).toBe(400);
      expect(reuse.json().code).toBe('OIDC_CODE_INVALID');

      const gql = await t.gql(
        '{ myIdentities { totalCount items { id provider email emailVerified } } }',
        {
          token: user.accessToken,
        },
      );
      const page = gql.json().data.myIdentities;
      expect(page.totalCount).toBe(1);
      expect(page.items[0]).toMatchObject({ provider: 'lax', emailVerified: false });

      // The identity now signs in to this account, whatever its e-mail says.
      expect((await signIn('lax', sub)).userId).toBe(user.id);

      // Another user's identity id is 404; the user's own, with a password left, 204.
      const other = await registerUser(t);
      const foreign = await t.rest({
        method: 'DELETE',
        url: `/api/v1/users/me/identities/${page.items[0].id as string}`,
        token: other.accessToken,
      });
      expect(foreign.statusCode).toBe(404);
      const unlink = await t.rest({
        method: 'DELETE',
        url: `/api/v1/users/me/identities/${page.items[0].id as string}`,
        token: user.accessToken,
      });
      expect(unlink.statusCode).toBe(204);
      expect(await identitiesOf(user.id)).toEqual([]);
      await eventually(async () =>
        expect(await auditActions(user.id)).toEqual(
          expect.arrayContaining(['identity.linked', 'identity.unlinked']),
        ),
      );
      await eventually(async () => {
        const alerts = await db(t).query(
          "SELECT title FROM notifications WHERE user_id = $1 AND type = 'security_alert' ORDER BY created_at",
          [user.id],
        );
        expect(alerts.map((a: { title: string }) => a.title)).toEqual(
          expect.arrayContaining(['Sign-in with lax was linked', 'Sign-in with lax was unlinked']),
        );
      });
    });

    it('refuses to link a provider account that belongs to someone else', async () => {
      const sub = randomUUID();
      corp.setAccount({ sub, email: uniqueEmail('taken'), email_verified: true });
      const holder = await signIn('corp', sub);
      const user = await registerUser(t);
      const gql = await t.gql('mutation { linkIdentity(provider: "corp") { url } }', {
        token: user.accessToken,
      });
      const url = new URL(gql.json().data.linkIdentity.url as string);
      const { landing } = await run('corp', sub, { query: url.search });
      expect(landing.searchParams.get('error')).toBe('IDENTITY_ALREADY_LINKED');
      expect(await identitiesOf(user.id)).toEqual([]);
      expect((await identitiesOf(holder.userId)).length).toBe(1);
    });

    it('refuses to unlink the last way to sign in (409 LAST_SIGN_IN_METHOD, REST and GraphQL)', async () => {
      const sub = randomUUID();
      corp.setAccount({ sub, email: uniqueEmail('only-oidc'), email_verified: true });
      const { userId, token } = await signIn('corp', sub);
      const list = await t.rest({ url: '/api/v1/users/me/identities', token });
      expect(list.statusCode).toBe(200);
      const body = list.json() as { items: Json[]; totalCount: number; nextCursor: null };
      expect(body.totalCount).toBe(1);
      const id = body.items[0].id as string;
      const rest = await t.rest({
        method: 'DELETE',
        url: `/api/v1/users/me/identities/${id}`,
        token,
      });
      expect(rest.statusCode).toBe(409);
      expect(rest.json().code).toBe('LAST_SIGN_IN_METHOD');
      const gql = await t.gql(`mutation { unlinkIdentity(id: "${id}") }`, { token });
      expect(gql.json().errors[0].extensions.code).toBe('LAST_SIGN_IN_METHOD');
      expect((await identitiesOf(userId)).length).toBe(1);
    });

    it('linking needs a signed-in session and a known provider', async () => {
      const anonymous = await t.rest({ method: 'POST', url: '/api/v1/users/me/identities/corp' });
      expect(anonymous.statusCode).toBe(401);
      const user = await registerUser(t);
      const unknown = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/identities/nope',
        token: user.accessToken,
      });
      expect(unknown.statusCode).toBe(404);
      expect(
        await count(t, 'SELECT count(*)::int AS n FROM oidc_tickets WHERE user_id = $1', [user.id]),
      ).toBe(0);
    });
  });
});
