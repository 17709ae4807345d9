import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Client, type ClientInfo } from '../../core/http/client-info.decorator.js';
import { ConsentDto } from './dto/consent.dto.js';
import { ConsentInput } from './dto/consent.inputs.js';
import { ConsentsService } from './consents.service.js';

@Resolver(() => ConsentDto)
export class ConsentsResolver {
  constructor(private readonly consents: ConsentsService) {}

  @Query(() => [ConsentDto], { description: 'My consents: the current state of every purpose' })
  myConsents(@CurrentUser() actor: AuthUser): Promise<ConsentDto[]> {
    return this.consents.mine(actor);
  }

  @Mutation(() => ConsentDto, { description: 'Grant or withdraw a consent (history kept)' })
  setConsent(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: ConsentInput,
    @Client() client: ClientInfo,
  ): Promise<ConsentDto> {
    return this.consents.set(actor, input, client);
  }
}
