#!/usr/bin/env node
// A local OpenID provider for trying the sign-in by hand (docs/oidc-provider.md): the
// `oidc-provider` package (a dev dependency) with its development login page, where any
// login name signs in as a user with the e-mail <login>@example.com, verified.
// Never for production: in-memory storage, development keys, no real login.
import { Provider } from 'oidc-provider';

const port = Number(process.env.DEV_OIDC_PORT ?? 4000);
const appUrl = (process.env.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'starter-dev',
      client_secret: 'starter-dev-secret',
      redirect_uris: [`${appUrl}/api/v1/auth/oidc/dev/callback`],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    const login = id.replace(/[^a-z0-9._-]/gi, '').toLowerCase() || 'someone';
    return {
      accountId: id,
      claims: () => ({ sub: id, email: `${login}@example.com`, email_verified: true, name: login }),
    };
  },
});

provider.listen(port, () => {
  console.log(`OpenID provider at ${issuer} (client starter-dev / starter-dev-secret)`);
  console.log(`redirect URI: ${appUrl}/api/v1/auth/oidc/dev/callback`);
});
