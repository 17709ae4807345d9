import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubUser {
  id: number;
  login: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

export interface FakeGithub {
  /** The host to set as OIDC_GITHUB_ISSUER (its API is at /api/v3, like GitHub Enterprise). */
  issuer: string;
  /** The user the next authorization signs in as. */
  signInAs(user: FakeGithubUser): void;
  /** Plays the browser at the authorize endpoint: the redirect back to the app, not requested. */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

interface Grant {
  user: FakeGithubUser;
  challenge: string;
  redirectUri: string;
}

const b64url = (buffer: Buffer) => buffer.toString('base64url');

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/**
 * GitHub's OAuth 2.0 as the app uses it (no OpenID Connect): `/login/oauth/authorize`, the token
 * endpoint (checks the client secret and the PKCE S256 verifier), `/api/v3/user` and
 * `/api/v3/user/emails` with the bearer token. Just enough protocol to prove the `github` preset's
 * code path; the real GitHub is not reachable from the tests.
 */
export async function startFakeGithub(client: {
  clientId: string;
  clientSecret: string;
}): Promise<FakeGithub> {
  let current: FakeGithubUser | undefined;
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, FakeGithubUser>();

  const json = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
        const form = new URLSearchParams(await body(request));
        const basic = request.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(request.headers.authorization.slice(6), 'base64').toString().split(':')
          : [];
        const id = form.get('client_id') ?? decodeURIComponent(basic[0] ?? '');
        const secret = form.get('client_secret') ?? decodeURIComponent(basic[1] ?? '');
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = b64url(createHash('sha256').update(verifier).digest());
        if (
          id !== client.clientId ||
          secret !== client.clientSecret ||
          !grant ||
          grant.challenge !== challenge ||
          grant.redirectUri !== form.get('redirect_uri')
        ) {
          json(response, 400, { error: 'bad_verification_code' });
          return;
        }
        const token = b64url(randomBytes(24));
        tokens.set(token, grant.user);
        json(response, 200, {
          access_token: token,
          token_type: 'bearer',
          scope: 'read:user,user:email',
        });
        return;
      }
      const user = tokens.get(request.headers.authorization?.replace(/^Bearer /i, '') ?? '');
      if (url.pathname === '/api/v3/user' && user) {
        json(response, 200, { id: user.id, login: user.login });
      } else if (url.pathname === '/api/v3/user/emails' && user) {
        json(response, 200, user.emails);
      } else {
        json(response, user ? 404 : 401, { message: 'Not Found' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    signInAs(user) {
      current = user;
    },
    authorize(authorizationUrl) {
      const url = new URL(authorizationUrl);
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const back = new URL(redirectUri);
      const state = url.searchParams.get('state');
      if (state) back.searchParams.set('state', state);
      if (
        url.origin !== issuer ||
        url.pathname !== '/login/oauth/authorize' ||
        url.searchParams.get('client_id') !== client.clientId ||
        url.searchParams.get('code_challenge_method') !== 'S256' ||
        !current
      ) {
        back.searchParams.set('error', 'access_denied');
        return Promise.resolve(back);
      }
      const code = b64url(randomBytes(16));
      codes.set(code, {
        user: current,
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri,
      });
      back.searchParams.set('code', code);
      return Promise.resolve(back);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
