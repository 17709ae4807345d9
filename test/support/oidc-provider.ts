import { generateKeyPair, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
// @ts-expect-error -- oidc-provider ships no types and @types/oidc-provider is not installed.
import { Provider } from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  /** e.g. http://127.0.0.1:54321 — the issuer, discovery at /.well-known/openid-configuration */
  issuer: string;
  /** Register or replace a user whose claims the test controls (changing e-mail = call again). */
  setAccount(account: TestAccount): void;
  /**
   * Plays a fresh browser (own cookie jar per call, so every call is a new login): GETs
   * `authorizationUrl`, follows the provider's redirects, signs in as `sub` and consents to
   * what was requested, and returns the final redirect target (the client's redirect_uri with
   * `code` & `state`, or with `error` when the provider refuses) WITHOUT requesting it.
   * A `sub` never given to `setAccount` is refused with `error=access_denied` (a user who
   * cancels). Throws when the provider answers without a redirect (e.g. unknown client or
   * redirect_uri: it then shows an error page, as the standard requires).
   */
  authorize(authorizationUrl: string, sub: string): Promise<URL>;
  close(): Promise<void>;
}

export type IdTokenSigningAlg = 'RS256' | 'PS256' | 'ES256' | 'Ed25519';

export interface TestOidcProviderOptions {
  clients: { clientId: string; clientSecret: string; redirectUris: string[] }[];
  /** default: false — when true, ID tokens are issued with a wrong `aud` (hostile test) */
  wrongIdTokenAudience?: boolean;
  /** default: RS256 — the only algorithm the provider then signs ID tokens with and announces */
  idTokenSigningAlg?: IdTokenSigningAlg;
}

/** The `aud` of ID tokens when `wrongIdTokenAudience` is set: a client the app is not. */
export const WRONG_AUDIENCE = 'another-client';

// How `authorize` tells our interaction route whom to sign in: it stands for the login form a
// real browser would post, and only this harness talks to the provider.
const LOGIN_HEADER = 'x-test-login-sub';

// The slice of oidc-provider's API used here (the package has no type declarations).
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
interface Interaction {
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
  params: { client_id: string };
  session?: { accountId: string };
  grantId?: string;
}
type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description: string };
interface KoaContext {
  oidc?: { route?: string };
  body: unknown;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

/**
 * A real OpenID provider (oidc-provider) on http://127.0.0.1:<free port>: code flow only, PKCE
 * (S256) required of every client, client_secret_basic or client_secret_post at the token
 * endpoint, scopes `openid email profile`, in-memory storage, a fresh signing key per start.
 */
export async function startOidcProvider(
  options: TestOidcProviderOptions,
): Promise<TestOidcProvider> {
  const alg = options.idTokenSigningAlg ?? 'RS256';
  const accounts = new Map<string, TestAccount>();
  const signingKey = await generateSigningKey(alg);

  // The issuer contains the port, so listen first and build the provider after.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: OidcProvider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: alg,
    })),
    jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), alg, use: 'sig' }] },
    responseTypes: ['code'],
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // By default the provider keeps scope claims out of an ID token issued alongside an access
    // token (userinfo only); the app reads them from the ID token.
    conformIdTokenClaims: false,
    // By default only public clients must use PKCE; the app always sends it, so demand it.
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    features: { devInteractions: { enabled: false } },
    // Read at every call, so a changed e-mail shows up in the next login's tokens.
    findAccount: (_ctx: unknown, id: string) =>
      accounts.has(id)
        ? { accountId: id, claims: () => ({ ...accounts.get(id), sub: id }) }
        : undefined,
    // Errors that cannot be redirected to the client, as JSON, for `authorize`'s message.
    renderError: (ctx: KoaContext & { type: string }, out: Record<string, string>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    // Explicit lifetimes: the defaults each print a notice.
    ttl: { AccessToken: 3600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  });

  if (options.wrongIdTokenAudience) {
    // A genuine token of this issuer and key, meant for someone else: only `aud` is wrong.
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: unknown } | undefined;
      if (ctx.oidc?.route !== 'token' || typeof body?.id_token !== 'string') return;
      const { kid } = decodeProtectedHeader(body.id_token);
      const claims = { ...decodeJwt(body.id_token), aud: WRONG_AUDIENCE };
      const idToken = await new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(signingKey);
      ctx.body = { ...body, id_token: idToken };
    });
  }

  const interact = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
    if (prompt.name === 'login') {
      const sub = req.headers[LOGIN_HEADER];
      const result =
        typeof sub === 'string' && accounts.has(sub)
          ? { login: { accountId: sub } }
          : { error: 'access_denied', error_description: `no test account ${String(sub)}` };
      return provider.interactionFinished(req, res, result);
    }
    if (prompt.name === 'consent' && session) {
      // Grant exactly what the provider found missing, as a consenting user would.
      const grant =
        (grantId && (await provider.Grant.find(grantId))) ||
        new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) {
        grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      }
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
    }
    throw new Error(`unexpected interaction prompt "${prompt.name}"`);
  };
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return void handle(req, res);
    interact(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(`interaction failed: ${String(err)}`);
    });
  });

  return {
    issuer,
    setAccount(account) {
      accounts.set(account.sub, { ...account });
    },
    async authorize(authorizationUrl, sub) {
      const cookies = new Map<string, string>();
      let url = new URL(authorizationUrl);
      if (url.origin !== issuer) throw new Error(`${url.origin} is not the issuer ${issuer}`);
      // login and consent take a handful of redirects; more means a loop.
      for (let hop = 0; hop < 10; hop++) {
        const res = await fetch(url, {
          redirect: 'manual',
          headers: {
            [LOGIN_HEADER]: sub,
            cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
          },
        });
        const body = await res.text();
        for (const header of res.headers.getSetCookie()) keepCookie(cookies, header);
        const location = res.headers.get('location');
        if (res.status < 300 || res.status > 399 || !location) {
          throw new Error(`provider answered ${res.status} to ${url.pathname}: ${body}`);
        }
        url = new URL(location, url);
        if (url.origin !== issuer) return url;
      }
      throw new Error(`more than 10 redirects at the provider, last ${url.href}`);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; close() alone would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

async function generateSigningKey(alg: IdTokenSigningAlg): Promise<KeyObject> {
  const generate = promisify(generateKeyPair);
  switch (alg) {
    case 'ES256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'Ed25519':
      return (await generate('ed25519')).privateKey;
    default:
      return (await generate('rsa', { modulusLength: 2048 })).privateKey;
  }
}

/**
 * A cookie jar just big enough for this provider: its cookie names are distinct, so names are
 * keys and paths are ignored; an emptied or expired cookie is dropped.
 */
function keepCookie(jar: Map<string, string>, setCookie: string): void {
  const [pair, ...attributes] = setCookie.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const expires = attributes.find((a) => a.trim().toLowerCase().startsWith('expires='));
  const expired = expires !== undefined && Date.parse(expires.split('=')[1]) <= Date.now();
  if (!value || expired) jar.delete(name);
  else jar.set(name, value);
}
