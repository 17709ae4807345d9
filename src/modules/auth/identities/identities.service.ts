import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { oidcConfig } from '../../../config/oidc.config.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { AppException } from '../../../core/errors/app.exception.js';
import { EventBus } from '../../../core/events/event-bus.js';
import type { Page } from '../../../core/pagination/page.js';
import { sha256 } from '../crypto.js';
import {
  type AuthProviderDto,
  type IdentityDto,
  type LinkStartDto,
  toIdentityDto,
} from './dto/identity.dto.js';
import { IdentitiesRepository } from './identities.repository.js';
import './identities.events.js';
import { OidcClient } from './oidc-client.service.js';
import { FLOW_TTL_SECONDS } from './oidc-login.service.js';
import { OidcFlowsRepository } from './oidc-flows.repository.js';

/** The signed-in user's identities: list, unlink (never the last way in), start a linking. */
@Injectable()
export class IdentitiesService {
  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly flows: OidcFlowsRepository,
    private readonly oidc: OidcClient,
    private readonly events: EventBus,
    @Inject(oidcConfig.KEY) private readonly config: ConfigType<typeof oidcConfig>,
  ) {}

  providers(): AuthProviderDto[] {
    return this.oidc.list().map(({ id, name }) => ({ id, name }));
  }

  /** All of them in one page: an account has a handful at most. */
  async list(actor: AuthUser): Promise<Page<IdentityDto>> {
    const identities = await this.identities.listOf(actor.id);
    return {
      items: identities.map(toIdentityDto),
      nextCursor: null,
      totalCount: identities.length,
    };
  }

  async unlink(actor: AuthUser, id: string): Promise<void> {
    const identity = (await this.identities.listOf(actor.id)).find((i) => i.id === id);
    const result = identity ? await this.identities.unlink(actor.id, id) : 'not_found';
    if (result === 'not_found' || !identity) {
      throw new AppException('NOT_FOUND', 'No such identity');
    }
    if (result === 'last_method') {
      throw new AppException(
        'LAST_SIGN_IN_METHOD',
        'This is the last way to sign in to the account: set a password (reset it by e-mail) or link another provider first',
      );
    }
    this.events.emit('identity.unlinked', {
      identityId: id,
      userId: actor.id,
      provider: identity.provider,
    });
  }

  /**
   * The URL that starts linking `provider` to the account, in the browser: our own start
   * route with a one-time ticket (10 minutes), so that the flow is tied to that browser by
   * the same cookie as a sign-in.
   */
  async startLink(actor: AuthUser, providerId: string): Promise<LinkStartDto> {
    const provider = this.oidc.provider(providerId);
    const ticket = randomBytes(32).toString('base64url');
    await this.flows.saveTicket(
      sha256(ticket),
      'link',
      { userId: actor.id, provider: provider.id },
      FLOW_TTL_SECONDS,
    );
    const url = new URL(`${this.config.publicUrl}/api/v1/auth/oidc/${provider.id}`);
    url.searchParams.set('ticket', ticket);
    return { url: url.toString() };
  }
}
