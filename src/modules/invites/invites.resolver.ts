import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { InviteCreatedDto } from './dto/invite.dto.js';
import { CreateInviteInput } from './dto/invite.inputs.js';
import { InvitesService } from './invites.service.js';

@Resolver(() => InviteCreatedDto)
export class InvitesResolver {
  constructor(private readonly invites: InvitesService) {}

  @Mutation(() => InviteCreatedDto, { description: 'Issue a registration invite (shown once)' })
  @Permissions('invites.create')
  createInvite(
    @CurrentUser() actor: AuthUser,
    @Args('input', { type: () => CreateInviteInput, nullable: true }) input?: CreateInviteInput,
  ): Promise<InviteCreatedDto> {
    return this.invites.create(actor, input ?? {});
  }
}
