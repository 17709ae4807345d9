import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { authConfig } from '../../../config/auth.config.js';
import type { OidcProviderConfig } from '../../../config/oidc-providers.js';
import { AppException } from '../../../core/errors/app.exception.js';
import { EventBus } from '../../../core/events/event-bus.js';
import type { ClientInfo } from '../../../core/http/client-info.decorator.js';
import { RegistrationGate } from '../../invites/registration-gate.service.js';
import { isBanned } from '../auth.service.js';
import { sha256 } from '../crypto.js';
import type { AuthPayloadDto } from '../dto/auth-payload.dto.js';
import { LoginAttemptsService } from '../login-attempts.service.js';
import { SessionIssuer } from '../session-issuer.service.js';
import { TwoFactorService } from '../two-factor.service.js';
import { UsersRepository } from '../users.repository.js';
import type { ExchangeOidcCodeInput, OidcStartQuery } from './dto/identity.inputs.js';
import {
  IdentitiesRepository,
  IdentityTaken,
  type ProviderIdentity,
} from './identities.repository.js';
import './identities.events.js';
import { OidcClient } from './oidc-client.service.js';
import { type OidcFlow, OidcFlowsRepository } from './oidc-flows.repository.js';

/** A started flow lives 10 minutes; the code the callback hands to the browser, 60 seconds. */
export const FLOW_TTL_SECONDS = 600;
export const EXCHANGE_TTL_SECONDS = 60;

const stateInvalid = (): AppException =>
  new AppException('OIDC_STATE_INVALID', 'The sign-in is unknown, expired or already used');
const codeInvalid = (): AppException =>
  new AppException('OIDC_CODE_INVALID', 'The code is unknown, expired or already used');
const accountExists = (): AppException =>
  new AppException(
    'OIDC_ACCOUNT_EXISTS',
    'An account uses this e-mail address: sign in to it, then link the provider from the account',
  );

/** A started sign-in: where to send the browser, and the cookie that ties it to this browser. */
export interface StartedFlow {
  url: URL;
  browserToken: string;
}

/** What the callback achieved: a code for POST /auth/oidc/exchange, or a linked identity. */
export type CallbackResult = { kind: 'code'; code: string } | { kind: 'linked'; provider: string };

function sameHash(hash: string, token: string | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(hash);
  const actual = Buffer.from(sha256(token));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The OpenID Connect sign-in: start (state, nonce and PKCE verifier stored server-side), callback
 * (state checked once, against the browser that started it; the code exchanged; the person
 * matched to an account without any pre-registration hijack), and the exchange of the one-time
 * code for the usual session. Linking from an account runs the same flow with `linkUserId`.
 */
@Injectable()
export class OidcLoginService {
  constructor(
    private readonly oidc: OidcClient,
    private readonly flows: OidcFlowsRepository,
    private readonly identities: IdentitiesRepository,
    private readonly users: UsersRepository,
    private readonly gate: RegistrationGate,
    private readonly issuer: SessionIssuer,
    private readonly twoFactor: TwoFactorService,
    private readonly events: EventBus,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly attempts: LoginAttemptsService,
  ) {}

  /** `GET /auth/oidc/:provider`: a sign-in (or sign-up), or a linking with its `ticket`. */
  async start(providerId: string, query: OidcStartQuery): Promise<StartedFlow> {
    const provider = this.oidc.provider(providerId);
    let linkUserId: string | null = null;
    if (query.ticket) {
      const ticket = await this.flows.takeTicket(sha256(query.ticket), 'link');
      if (!ticket || ticket.provider !== provider.id) throw codeInvalid();
      linkUserId = ticket.userId;
    }
    const consents = (query.consents?.split(',') ?? []).map((purpose) => ({
      purpose: purpose as OidcFlow['consents'][number]['purpose'],
      policyVersion: query.policyVersion ?? 'unspecified',
    }));
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = await this.oidc.authorizationUrl(provider, checks);
    const browserToken = randomBytes(32).toString('base64url');
    await this.flows.saveFlow(
      sha256(checks.state),
      {
        provider: provider.id,
        codeVerifier: checks.codeVerifier,
        nonce: checks.nonce,
        browserHash: sha256(browserToken),
        linkUserId,
        inviteToken: query.inviteToken ?? null,
        consents,
      },
      FLOW_TTL_SECONDS,
    );
    return { url, browserToken };
  }

  /** `GET /auth/oidc/:provider/callback`, with the query the provider redirected with. */
  async callback(
    providerId: string,
    search: string,
    browserToken: string | undefined,
    client: ClientInfo,
  ): Promise<CallbackResult> {
    const provider = this.oidc.provider(providerId);
    // The registered redirect URI plus the provider's parameters, as openid-client expects.
    const callbackUrl = new URL(`${this.oidc.redirectUri(provider)}${search}`);
    const state = callbackUrl.searchParams.get('state');
    if (!state || state.length > 512) throw stateInvalid();
    // Taken before anything else: whatever happens next, this state never works again.
    const flow = await this.flows.takeFlow(sha256(state));
    if (!flow || flow.provider !== provider.id || !sameHash(flow.browserHash, browserToken)) {
      throw stateInvalid();
    }
    const claims = await this.oidc.complete(provider, callbackUrl, {
      state,
      nonce: flow.nonce,
      codeVerifier: flow.codeVerifier,
    });
    if (flow.linkUserId) {
      await this.linkTo(flow.linkUserId, provider, claims);
      return { kind: 'linked', provider: provider.id };
    }
    const userId = await this.accountFor(provider, claims, flow, client);
    const code = randomBytes(32).toString('base64url');
    await this.flows.saveTicket(
      sha256(code),
      'exchange',
      { userId, provider: provider.id },
      EXCHANGE_TTL_SECONDS,
    );
    return { kind: 'code', code };
  }

  /**
   * `POST /auth/oidc/exchange`: the session for the callback's one-time code. With two-factor
   * on, a missing `otp` keeps the code (the client asks and retries); a wrong one uses it up.
   */
  async exchange(input: ExchangeOidcCodeInput, client: ClientInfo): Promise<AuthPayloadDto> {
    const hash = sha256(input.code);
    const ticket = await this.flows.peekTicket(hash, 'exchange');
    if (!ticket) throw codeInvalid();
    const user = await this.users.getById(ticket.userId);
    if (!user) {
      await this.flows.takeTicket(hash, 'exchange');
      throw codeInvalid();
    }
    if (isBanned(user)) {
      await this.flows.takeTicket(hash, 'exchange');
      this.attempts.count('banned');
      throw new AppException('FORBIDDEN', 'This account is suspended');
    }
    if (this.config.requireVerifiedEmail && !user.emailVerifiedAt) {
      await this.flows.takeTicket(hash, 'exchange');
      this.attempts.count('unverified');
      throw new AppException(
        'EMAIL_NOT_VERIFIED',
        'Confirm the email address with the link sent to it before signing in',
      );
    }
    const secondFactor = await this.twoFactor.verifyLogin(user.id, input.otp);
    if (secondFactor === 'missing') {
      this.attempts.count('otp_required');
      throw new AppException('OTP_REQUIRED', 'A one-time code from the authenticator is required');
    }
    // Whoever races us for the same code, only one of us gets it.
    if (!(await this.flows.takeTicket(hash, 'exchange'))) throw codeInvalid();
    if (secondFactor === 'invalid') {
      this.attempts.count('failure');
      throw new AppException('UNAUTHENTICATED', 'The one-time code is invalid');
    }
    const payload = await this.issuer.start(user, client);
    this.attempts.count('success');
    return payload;
  }

  /**
   * The account this provider account signs in to. Known identity: its account (the e-mail
   * claims refreshed on the identity). Else an account with the same e-mail is linked only
   * when the provider is trusted for e-mail, says `email_verified`, and the local e-mail is
   * verified too; an unverified local account is adopted (see IdentitiesRepository.adopt);
   * anything else must sign in with its credential and link. No account: a new one, through
   * the same registration gate as a password sign-up.
   */
  private async accountFor(
    provider: OidcProviderConfig,
    claims: ProviderIdentity,
    flow: OidcFlow,
    client: ClientInfo,
  ): Promise<string> {
    const known = await this.identities.findBySubject(claims.issuer, claims.subject);
    if (known) {
      if (await this.identities.accountDeleted(known.userId)) {
        throw new AppException(
          'ACCOUNT_DELETED',
          'This account is deleted: restore it with POST /auth/restore',
        );
      }
      await this.identities.touch(known.id, claims);
      return known.userId;
    }
    if (!claims.email) {
      throw new AppException('OIDC_LOGIN_FAILED', 'The provider did not share an e-mail address');
    }
    const trusted = provider.trustEmail && claims.emailVerified;
    const local = await this.identities.accountByEmail(claims.email);
    if (local) {
      if (!trusted || local.deleted) throw accountExists();
      const identityId = local.emailVerified
        ? await this.identities.link(local.id, provider.id, claims)
        : await this.adopt(local.id, provider.id, claims);
      if (!identityId) throw accountExists();
      if (local.emailVerified) {
        this.events.emit('identity.linked', {
          identityId,
          userId: local.id,
          provider: provider.id,
          via: 'email',
        });
      }
      return local.id;
    }
    return this.signUp(provider, claims, flow, client, trusted);
  }

  private async adopt(
    userId: string,
    provider: string,
    claims: ProviderIdentity,
  ): Promise<string | undefined> {
    try {
      const identityId = await this.identities.adopt(userId, provider, claims);
      if (identityId) this.events.emit('auth.account.adopted', { userId, provider, identityId });
      return identityId;
    } catch (error) {
      if (error instanceof IdentityTaken) return undefined;
      throw error;
    }
  }

  private async signUp(
    provider: OidcProviderConfig,
    claims: ProviderIdentity,
    flow: OidcFlow,
    client: ClientInfo,
    trusted: boolean,
  ): Promise<string> {
    const email = claims.email ?? '';
    const admission = await this.gate.admit(
      {
        email,
        inviteToken: flow.inviteToken ?? undefined,
        consents: flow.consents.map((c) => ({ ...c, granted: true })),
      },
      client,
    );
    let identityId: string | undefined;
    const userId = await this.users
      .createAccount(
        { email, passwordHash: null, emailVerified: trusted },
        this.gate.withinAccount(admission, async (tx, id) => {
          identityId = await this.identities.link(id, provider.id, claims, tx);
          if (!identityId) throw new IdentityTaken(); // linked meanwhile: no account either
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof IdentityTaken) return undefined;
        throw error;
      });
    if (!userId || !identityId) throw accountExists();
    this.gate.registered(admission, userId);
    this.events.emit('auth.registered', { userId, email });
    this.events.emit('identity.linked', {
      identityId,
      userId,
      provider: provider.id,
      via: 'signup',
    });
    return userId;
  }

  /** Links the provider account to a signed-in user (the flow started from their account). */
  private async linkTo(
    userId: string,
    provider: OidcProviderConfig,
    claims: ProviderIdentity,
  ): Promise<void> {
    const known = await this.identities.findBySubject(claims.issuer, claims.subject);
    if (known && known.userId !== userId) {
      throw new AppException(
        'IDENTITY_ALREADY_LINKED',
        'This provider account is linked to another account',
      );
    }
    if (known) {
      await this.identities.touch(known.id, claims);
      return;
    }
    const identityId = await this.identities.link(userId, provider.id, claims);
    if (!identityId) {
      throw new AppException(
        'IDENTITY_ALREADY_LINKED',
        'This provider account is linked to another account',
      );
    }
    this.events.emit('identity.linked', {
      identityId,
      userId,
      provider: provider.id,
      via: 'account',
    });
  }
}
