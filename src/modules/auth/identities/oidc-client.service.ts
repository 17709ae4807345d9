import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import * as client from 'openid-client';
import { oidcConfig } from '../../../config/oidc.config.js';
import type { OidcProviderConfig } from '../../../config/oidc-providers.js';
import { AppException } from '../../../core/errors/app.exception.js';
import type { ProviderIdentity } from './identities.repository.js';

/** What the callback must check, from the stored flow. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Network trouble, a timeout or a 5xx at the provider: not the caller's fault. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof client.ResponseBodyError) return error.status >= 500;
  if (error instanceof client.AuthorizationResponseError) return false;
  if (error instanceof client.ClientError) return false;
  return error instanceof Error; // fetch failures (TypeError), AbortSignal timeouts
}

/**
 * Speaks to the configured providers with openid-client: discovery (cached; retried after a
 * failure), the authorization URL (PKCE S256, state, nonce), and the code exchange with its
 * checks (state, issuer, audience, nonce, expiry of the ID token). GitHub is OAuth 2.0 without
 * an ID token: its user comes from its API. Every call has OIDC_TIMEOUT_MS.
 */
@Injectable()
export class OidcClient {
  private readonly logger = new Logger('Oidc');
  private readonly configurations = new Map<string, Promise<client.Configuration>>();

  constructor(@Inject(oidcConfig.KEY) private readonly config: ConfigType<typeof oidcConfig>) {}

  list(): OidcProviderConfig[] {
    return [...this.config.providers.values()];
  }

  /** The provider, or 404 for an id that is not configured. */
  provider(id: string): OidcProviderConfig {
    const provider = this.config.providers.get(id);
    if (!provider) throw new AppException('NOT_FOUND', 'No such sign-in provider');
    return provider;
  }

  /** Where the provider sends the browser back (register it at the provider). */
  redirectUri(provider: OidcProviderConfig): string {
    return `${this.config.publicUrl}/api/v1/auth/oidc/${provider.id}/callback`;
  }

  async authorizationUrl(provider: OidcProviderConfig, checks: FlowChecks): Promise<URL> {
    const configuration = await this.configuration(provider);
    const parameters: Record<string, string> = {
      redirect_uri: this.redirectUri(provider),
      scope: provider.kind === 'github' ? 'read:user user:email' : 'openid email profile',
      state: checks.state,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (provider.kind === 'oidc') parameters.nonce = checks.nonce;
    return client.buildAuthorizationUrl(configuration, parameters);
  }

  /**
   * Exchanges the callback's code and returns who signed in. A refused or forged answer is
   * 400 OIDC_LOGIN_FAILED; a provider that cannot be reached, 503 SERVICE_UNAVAILABLE.
   */
  async complete(
    provider: OidcProviderConfig,
    callbackUrl: URL,
    checks: FlowChecks,
  ): Promise<ProviderIdentity> {
    try {
      const configuration = await this.configuration(provider);
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(provider.kind === 'oidc' ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      });
      if (provider.kind === 'github')
        return await this.githubUser(configuration, tokens.access_token);
      const claims = tokens.claims();
      if (!claims) throw new AppException('OIDC_LOGIN_FAILED', 'The provider sent no ID token');
      return {
        issuer: claims.iss,
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null,
        emailVerified: claims.email_verified === true,
      };
    } catch (error) {
      if (error instanceof AppException) throw error;
      if (isUnavailable(error)) {
        this.logger.warn({ err: error, provider: provider.id }, 'OpenID provider unavailable');
        throw new AppException('SERVICE_UNAVAILABLE', 'The sign-in provider is not reachable');
      }
      // The provider's or openid-client's reason, for the operator; the client gets a code.
      this.logger.warn({ err: error, provider: provider.id }, 'OpenID sign-in refused');
      throw new AppException('OIDC_LOGIN_FAILED', 'The sign-in with the provider failed');
    }
  }

  private configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let pending = this.configurations.get(provider.id);
    if (!pending) {
      pending = this.configure(provider);
      this.configurations.set(provider.id, pending);
      // A failed discovery is not cached: the next sign-in tries again.
      pending.catch(() => this.configurations.delete(provider.id));
    }
    return pending.catch((error: unknown) => {
      this.logger.warn({ err: error, provider: provider.id }, 'OpenID discovery failed');
      throw new AppException('SERVICE_UNAVAILABLE', 'The sign-in provider is not reachable');
    });
  }

  private async configure(provider: OidcProviderConfig): Promise<client.Configuration> {
    const timeout = this.config.timeoutMs / 1000;
    const issuer = new URL(provider.issuer);
    // Plain http only for a provider on this machine (config validation enforces the same).
    const execute =
      issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname)
        ? [client.allowInsecureRequests]
        : [];
    if (provider.kind === 'oidc') {
      return client.discovery(issuer, provider.clientId, provider.clientSecret, undefined, {
        timeout,
        execute,
      });
    }
    const base = provider.issuer.replace(/\/+$/, '');
    const configuration = new client.Configuration(
      {
        issuer: base,
        authorization_endpoint: `${base}/login/oauth/authorize`,
        token_endpoint: `${base}/login/oauth/access_token`,
      },
      provider.clientId,
      provider.clientSecret,
    );
    configuration.timeout = timeout;
    for (const run of execute) run(configuration);
    return configuration;
  }

  /** GitHub's numeric user id is the subject; its primary e-mail, if verified, the e-mail. */
  private async githubUser(
    configuration: client.Configuration,
    accessToken: string,
  ): Promise<ProviderIdentity> {
    const issuer = configuration.serverMetadata().issuer;
    const api = issuer === 'https://github.com' ? 'https://api.github.com' : `${issuer}/api/v3`;
    const get = async <T>(path: string): Promise<T> => {
      const headers = new Headers({ accept: 'application/vnd.github+json' });
      const response = await client.fetchProtectedResource(
        configuration,
        accessToken,
        new URL(`${api}${path}`),
        'GET',
        undefined,
        headers,
      );
      if (!response.ok) throw new Error(`GitHub API ${path} answered ${response.status}`);
      return (await response.json()) as T;
    };
    const user = await get<{ id: number }>('/user');
    const emails = await get<GithubEmail[]>('/user/emails');
    const primary = emails.find((e) => e.primary) ?? emails.find((e) => e.verified);
    return {
      issuer,
      subject: String(user.id),
      email: primary ? primary.email.trim().toLowerCase() : null,
      emailVerified: primary?.verified === true,
    };
  }
}
