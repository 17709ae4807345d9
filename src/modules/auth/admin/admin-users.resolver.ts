import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import { Permissions } from '../../../core/auth/permissions.decorator.js';
import type { Page } from '../../../core/pagination/page.js';
import { UuidArg } from '../../../core/validation/uuid.js';
import { AdminUserDto, AdminUserPage, BulkResultDto } from './dto/admin-user.dto.js';
import {
  AdminBanUserInput,
  AdminBulkBanInput,
  AdminBulkRolesInput,
  AdminRoleInput,
  AdminUpdateUserInput,
  ListUsersArgs,
} from './dto/admin-users.inputs.js';
import { AdminUsersService } from './admin-users.service.js';

@Resolver(() => AdminUserDto)
export class AdminUsersResolver {
  constructor(private readonly admin: AdminUsersService) {}

  @Query(() => AdminUserPage, { description: 'Admin: list, filter, search and sort users' })
  @Permissions('users.read')
  users(@CurrentUser() actor: AuthUser, @Args() args: ListUsersArgs): Promise<Page<AdminUserDto>> {
    return this.admin.list(actor, args.filter ?? {}, args.page ?? {}, args.sort ?? undefined);
  }

  @Mutation(() => AdminUserDto, { description: "Admin: edit a user's profile" })
  @Permissions('users.manage')
  adminUpdateUser(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
    @Args('input') input: AdminUpdateUserInput,
  ): Promise<AdminUserDto> {
    return this.admin.update(actor, id, input);
  }

  @Mutation(() => AdminUserDto, { description: 'Admin: ban a user; their sessions are revoked' })
  @Permissions('users.manage')
  adminBanUser(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AdminBanUserInput,
  ): Promise<AdminUserDto> {
    const { userId, ...ban } = input;
    return this.admin.ban(actor, userId, ban);
  }

  @Mutation(() => AdminUserDto, { description: 'Admin: lift a ban' })
  @Permissions('users.manage')
  adminUnbanUser(
    @CurrentUser() actor: AuthUser,
    @UuidArg('userId') userId: string,
  ): Promise<AdminUserDto> {
    return this.admin.unban(actor, userId);
  }

  @Mutation(() => AdminUserDto, {
    description: 'Admin: restore an account deleted within its restore window',
  })
  @Permissions('users.manage')
  adminRestoreUser(
    @CurrentUser() actor: AuthUser,
    @UuidArg('userId') userId: string,
  ): Promise<AdminUserDto> {
    return this.admin.restore(actor, userId);
  }

  @Mutation(() => AdminUserDto, { description: 'Admin: assign a role' })
  @Permissions('roles.assign')
  adminAssignRole(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AdminRoleInput,
  ): Promise<AdminUserDto> {
    return this.admin.assignRole(actor, input.userId, input.role);
  }

  @Mutation(() => AdminUserDto, { description: 'Admin: revoke a role' })
  @Permissions('roles.assign')
  adminRevokeRole(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AdminRoleInput,
  ): Promise<AdminUserDto> {
    return this.admin.revokeRole(actor, input.userId, input.role);
  }

  @Mutation(() => BulkResultDto, { description: 'Admin: ban up to 100 users' })
  @Permissions('users.manage')
  adminBulkBan(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AdminBulkBanInput,
  ): Promise<BulkResultDto> {
    return this.admin.bulkBan(actor, input);
  }

  @Mutation(() => BulkResultDto, {
    description: 'Admin: assign or revoke a role for up to 100 users',
  })
  @Permissions('roles.assign')
  adminBulkRoles(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AdminBulkRolesInput,
  ): Promise<BulkResultDto> {
    return this.admin.bulkRoles(actor, input);
  }
}
