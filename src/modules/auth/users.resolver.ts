import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { UserDto } from './dto/user.dto.js';
import { ChangePasswordInput, UpdateProfileInput } from './dto/user.inputs.js';
import { UsersService } from './users.service.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@Resolver(() => UserDto)
export class UsersResolver {
  constructor(private readonly users: UsersService) {}

  @Query(() => UserDto, { description: 'My account' })
  me(@CurrentUser() actor: AuthUser): Promise<UserDto> {
    return this.users.me(actor);
  }

  @Mutation(() => UserDto, { description: 'Update my profile' })
  updateProfile(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: UpdateProfileInput,
  ): Promise<UserDto> {
    return this.users.updateProfile(actor, input);
  }

  @SessionOnly()
  @Mutation(() => Boolean, { description: 'Change my password; my other sessions are revoked' })
  async changePassword(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: ChangePasswordInput,
  ): Promise<boolean> {
    await this.users.changePassword(actor, input);
    return true;
  }
}
