import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOidcProvider,
  type TestOidcProvider,
  WRONG_AUDIENCE,
} from '../support/oidc-provider.js';

// Never requested: `authorize` stops at the redirect to it.
const REDIRECT_URI = 'http://127.0.0.1:9/auth/oidc/callback';
const APP = {
  clientId: 'harness-app',
  clientSecret: 'harness-secret',
  redirectUris: [REDIRECT_URI],
};

// openid-client's code for an ID token claim it refuses (its cause names the claim).
const CLAIM_MISMATCH = 'OAUTH_JWT_CLAIM_COMPARISON_FAILED';

const discover = (
  op: TestOidcProvider,
  auth = client.ClientSecretBasic(APP.clientSecret),
): Promise<client.Configuration> =>
  client.discovery(new URL(op.issuer), APP.clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
  });

/** An authorization request as the app sends it, and the checks its callback must pass. */
async function authorizationRequest(
  config: client.Configuration,
  extra: Record<string, string> = {},
): Promise<{ url: URL; checks: client.AuthorizationCodeGrantChecks & { expectedNonce: string } }> {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...extra,
  });
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
}

describe('test OpenID provider (oidc-provider) driven by openid-client', () => {
  let op: TestOidcProvider;
  let config: client.Configuration;
  beforeAll(async () => {
    op = await startOidcProvider({ clients: [APP] });
    config = await discover(op);
  });
  afterAll(() => op?.close());

  it('signs in the chosen account: its claims in the ID token and at userinfo', async () => {
    op.setAccount({ sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Al' });
    const { url, checks } = await authorizationRequest(config);

    const callback = await op.authorize(url.href, 'alice');
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(checks.expectedState);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);

    expect(tokens.claims()).toMatchObject({
      iss: op.issuer,
      aud: APP.clientId,
      sub: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Al',
      nonce: checks.expectedNonce,
    });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice');
    expect(userinfo).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it('shows a changed e-mail at the next login (client_secret_post this time)', async () => {
    const post = await discover(op, client.ClientSecretPost(APP.clientSecret));
    for (const [email, verified] of [
      ['bob@example.com', true],
      ['bob@new.example.com', false],
    ] as const) {
      op.setAccount({ sub: 'bob', email, email_verified: verified });
      const { url, checks } = await authorizationRequest(post);
      const tokens = await client.authorizationCodeGrant(
        post,
        await op.authorize(url.href, 'bob'),
        checks,
      );
      expect(tokens.claims()).toMatchObject({ sub: 'bob', email, email_verified: verified });
    }
  });

  it('refuses a replayed code', async () => {
    op.setAccount({ sub: 'carol', email: 'carol@example.com', email_verified: true });
    const { url, checks } = await authorizationRequest(config);
    const callback = await op.authorize(url.href, 'carol');
    await client.authorizationCodeGrant(config, callback, checks);

    await expect(client.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({
      name: 'ResponseBodyError',
      error: 'invalid_grant',
    });
  });

  it('yields an ID token that openid-client refuses for a wrong nonce', async () => {
    op.setAccount({ sub: 'dave', email: 'dave@example.com', email_verified: true });
    const { url, checks } = await authorizationRequest(config);
    const callback = await op.authorize(url.href, 'dave');

    await expect(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        expectedNonce: client.randomNonce(),
      }),
    ).rejects.toMatchObject({ code: CLAIM_MISMATCH, cause: { cause: { claim: 'nonce' } } });
  });

  it('redirects provider refusals back with an error instead of a code', async () => {
    op.setAccount({ sub: 'erin', email: 'erin@example.com' });
    const plain = await authorizationRequest(config, { code_challenge_method: 'plain' });
    const refused = await op.authorize(plain.url.href, 'erin');
    expect(refused.origin + refused.pathname).toBe(REDIRECT_URI);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('state')).toBe(plain.checks.expectedState);
    expect(refused.searchParams.has('code')).toBe(false);

    const unknown = await authorizationRequest(config);
    const denied = await op.authorize(unknown.url.href, 'nobody');
    expect(denied.searchParams.get('error')).toBe('access_denied');
  });

  it('throws when the provider cannot redirect (unregistered redirect_uri)', async () => {
    const { url } = await authorizationRequest(config, {
      redirect_uri: 'http://127.0.0.1:9/elsewhere',
    });
    await expect(op.authorize(url.href, 'alice')).rejects.toThrow(/400.*redirect_uri/);
  });
});

describe('hostile test OpenID provider', () => {
  let op: TestOidcProvider;
  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [APP],
      wrongIdTokenAudience: true,
      idTokenSigningAlg: 'ES256',
    });
  });
  afterAll(() => op?.close());

  it('issues ID tokens for another audience, which openid-client refuses', async () => {
    const config = await discover(op);
    expect(config.serverMetadata().id_token_signing_alg_values_supported).toEqual(['ES256']);
    op.setAccount({ sub: 'mallory', email: 'mallory@example.com', email_verified: true });
    const { url, checks } = await authorizationRequest(config);
    const callback = await op.authorize(url.href, 'mallory');

    await expect(client.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({
      code: CLAIM_MISMATCH,
      cause: { cause: { claim: 'aud', claims: { aud: WRONG_AUDIENCE, sub: 'mallory' } } },
    });
  });
});
