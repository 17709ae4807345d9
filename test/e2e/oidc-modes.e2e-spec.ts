import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_AUTH, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { type FakeGithub, startFakeGithub } from '../support/fake-github.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { bootstrapAdmin } from '../support/users.js';

// Never listened on: the provider's redirects to it are read, then injected into the app.
const PUBLIC_URL = 'http://127.0.0.1:3998';
const corpClient = {
  clientId: 'starter-corp',
  clientSecret: `corp-${randomUUID()}`,
  redirectUris: [`${PUBLIC_URL}/api/v1/auth/oidc/corp/callback`],
};
const githubClient = { clientId: 'starter-github', clientSecret: `gh-${randomUUID()}` };

/**
 * The OpenID sign-up under REGISTRATION_MODE=invite and CONSENT_REQUIRED=true, the callback's
 * JSON answers (no OIDC_REDIRECT_URL), and the `github` preset (OAuth 2.0, no ID token) against
 * a GitHub-shaped server.
 */
describe('OpenID sign-up: invites, consent, JSON callback, GitHub', () => {
  let t: TestApp;
  let corp: TestOidcProvider;
  let github: FakeGithub;
  const admin = bootstrapAdmin('oidc-modes-admin');

  beforeAll(async () => {
    corp = await startOidcProvider({ clients: [corpClient] });
    github = await startFakeGithub(githubClient);
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        ...admin.env,
        PUBLIC_URL,
        REGISTRATION_MODE: 'invite',
        CONSENT_REQUIRED: 'true',
        OIDC_PROVIDERS: 'corp,github',
        OIDC_CORP_ISSUER: corp.issuer,
        OIDC_CORP_CLIENT_ID: corpClient.clientId,
        OIDC_CORP_CLIENT_SECRET: corpClient.clientSecret,
        OIDC_CORP_TRUST_EMAIL: 'true',
        OIDC_GITHUB_ISSUER: github.issuer,
        OIDC_GITHUB_CLIENT_ID: githubClient.clientId,
        OIDC_GITHUB_CLIENT_SECRET: githubClient.clientSecret,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await corp?.close();
    await github?.close();
  });

  const db = () => t.app.get<DataSource>(getDataSourceToken());
  const usersWith = async (email: string): Promise<number> =>
    (await db().query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n;

  const usedInvites = async (): Promise<number> =>
    (await db().query('SELECT count(*)::int AS n FROM invites WHERE used_at IS NOT NULL'))[0].n;

  async function invite(): Promise<string> {
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/admin/invites',
      token: await admin.signIn(t),
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().token as string;
  }

  /** The whole browser round trip; answers the callback's JSON answer. */
  async function signUp(
    provider: 'corp' | 'github',
    query: string,
    authorize: (url: string) => Promise<URL>,
  ) {
    const start = await t.rest({ url: `/api/v1/auth/oidc/${provider}${query}` });
    expect(start.statusCode, start.body).toBe(302);
    const cookie = String(start.headers['set-cookie']).split(';')[0];
    const callback = await authorize(String(start.headers.location));
    return t.rest({ url: `${callback.pathname}${callback.search}`, headers: { cookie } });
  }

  const corpUser = (email: string) => {
    const sub = randomUUID();
    corp.setAccount({ sub, email, email_verified: true });
    return (url: string) => corp.authorize(url, sub);
  };

  it('refuses a sign-up without an invite (400 INVITE_REQUIRED as JSON), writing no account', async () => {
    const email = uniqueEmail('no-invite');
    const res = await signUp('corp', '?consents=essential&policyVersion=2026-01', corpUser(email));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('INVITE_REQUIRED');
    expect(await usersWith(email)).toBe(0);
  });

  it('refuses a sign-up without essential consent, leaving the invite unused', async () => {
    const token = await invite();
    const usedBefore = await usedInvites();
    const email = uniqueEmail('no-consent');
    const res = await signUp('corp', `?inviteToken=${token}`, corpUser(email));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().errors[0].field).toBe('consents');
    expect(await usersWith(email)).toBe(0);
    expect(await usedInvites()).toBe(usedBefore);
  });

  it('signs up with an invite and consents; the code arrives as JSON; the invite is single use', async () => {
    const token = await invite();
    const email = uniqueEmail('invited');
    const query = `?inviteToken=${token}&consents=essential,analytics&policyVersion=2026-01`;
    const res = await signUp('corp', query, corpUser(email));
    expect(res.statusCode, res.body).toBe(200);
    const { code } = res.json() as { code: string };
    const exchange = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/oidc/exchange',
      payload: { code },
    });
    expect(exchange.statusCode, exchange.body).toBe(200);
    const userId = exchange.json().user.id as string;
    const consents = await db().query(
      'SELECT purpose, granted, policy_version FROM consents WHERE user_id = $1 ORDER BY purpose',
      [userId],
    );
    expect(consents).toEqual([
      { purpose: 'analytics', granted: true, policy_version: '2026-01' },
      { purpose: 'essential', granted: true, policy_version: '2026-01' },
    ]);

    const reuse = await signUp('corp', query, corpUser(uniqueEmail('reuse')));
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().code).toBe('VALIDATION_FAILED');
    expect(reuse.json().errors[0].field).toBe('inviteToken');
  });

  it('a malformed consent list is 400 before anything is stored', async () => {
    const res = await t.rest({ url: '/api/v1/auth/oidc/corp?consents=essential,cookies' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('consents');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('signs up through the github preset: subject is the GitHub id, e-mail the verified primary', async () => {
    const token = await invite();
    const email = uniqueEmail('octocat');
    github.signInAs({
      id: 4242,
      login: 'octocat',
      emails: [
        { email: uniqueEmail('secondary'), primary: false, verified: true },
        { email, primary: true, verified: true },
      ],
    });
    const res = await signUp(
      'github',
      `?inviteToken=${token}&consents=essential&policyVersion=1`,
      (url) => github.authorize(url),
    );
    expect(res.statusCode, res.body).toBe(200);
    const exchange = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/oidc/exchange',
      payload: { code: res.json().code },
    });
    expect(exchange.statusCode, exchange.body).toBe(200);
    expect(exchange.json().user).toMatchObject({ email, emailVerified: true });
    const identities = await db().query(
      'SELECT provider, issuer, subject, email::text AS email, email_verified FROM user_identities WHERE user_id = $1',
      [exchange.json().user.id],
    );
    expect(identities).toEqual([
      { provider: 'github', issuer: github.issuer, subject: '4242', email, email_verified: true },
    ]);
  });

  it('a refused GitHub authorization answers 400 OIDC_LOGIN_FAILED', async () => {
    const start = await t.rest({ url: '/api/v1/auth/oidc/github' });
    const cookie = String(start.headers['set-cookie']).split(';')[0];
    const callback = await github.authorize(
      String(start.headers.location).replace(
        'code_challenge_method=S256',
        'code_challenge_method=plain',
      ),
    );
    const res = await t.rest({
      url: `${callback.pathname}${callback.search}`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('OIDC_LOGIN_FAILED');
  });
});
