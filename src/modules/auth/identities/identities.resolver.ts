import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SessionOnly } from '../../../core/auth/auth.guard.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import { Public } from '../../../core/auth/public.decorator.js';
import { type ClientInfo, Client } from '../../../core/http/client-info.decorator.js';
import type { Page } from '../../../core/pagination/page.js';
import { RateLimit } from '../../../core/rate-limit/rate-limit.decorator.js';
import { UuidArg } from '../../../core/validation/uuid.js';
import { AuthPayloadDto } from '../dto/auth-payload.dto.js';
import { AuthProviderDto, IdentityDto, IdentityPage, LinkStartDto } from './dto/identity.dto.js';
import { ExchangeOidcCodeInput, ProviderArgs } from './dto/identity.inputs.js';
import { IdentitiesService } from './identities.service.js';
import { OidcLoginService } from './oidc-login.service.js';

/** The GraphQL twins of IdentitiesController (the browser redirects themselves are REST only). */
@Resolver(() => IdentityDto)
export class IdentitiesResolver {
  constructor(
    private readonly login: OidcLoginService,
    private readonly identities: IdentitiesService,
  ) {}

  @Public()
  @Query(() => [AuthProviderDto], { description: 'The configured sign-in providers' })
  authProviders(): AuthProviderDto[] {
    return this.identities.providers();
  }

  @Public()
  @RateLimit('strict', { bucket: 'exchange' })
  @Mutation(() => AuthPayloadDto, {
    description: "Exchange the OpenID callback's one-time code for a session",
  })
  exchangeOidcCode(
    @Args('input') input: ExchangeOidcCodeInput,
    @Client() client: ClientInfo,
  ): Promise<AuthPayloadDto> {
    return this.login.exchange(input, client);
  }

  @SessionOnly()
  @Query(() => IdentityPage, { description: 'The provider accounts linked to mine' })
  myIdentities(@CurrentUser() actor: AuthUser): Promise<Page<IdentityDto>> {
    return this.identities.list(actor);
  }

  @SessionOnly()
  @Mutation(() => Boolean, { description: 'Unlink a provider account (never the last way in)' })
  async unlinkIdentity(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
  ): Promise<boolean> {
    await this.identities.unlink(actor, id);
    return true;
  }

  @SessionOnly()
  @RateLimit('strict', { bucket: 'linkStart' })
  @Mutation(() => LinkStartDto, {
    description: 'Start linking a provider: open the returned URL in the browser',
  })
  linkIdentity(@CurrentUser() actor: AuthUser, @Args() args: ProviderArgs): Promise<LinkStartDto> {
    return this.identities.startLink(actor, args.provider);
  }
}
