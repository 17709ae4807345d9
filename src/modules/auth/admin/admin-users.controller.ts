import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import { Permissions } from '../../../core/auth/permissions.decorator.js';
import type { Page } from '../../../core/pagination/page.js';
import { UuidParam } from '../../../core/validation/uuid.js';
import { AdminUserDto, AdminUserPage, BulkResultDto } from './dto/admin-user.dto.js';
import {
  AdminBulkBanInput,
  AdminBulkRolesInput,
  AdminUpdateUserInput,
  BanUserBody,
  ListUsersQuery,
  RoleBody,
} from './dto/admin-users.inputs.js';
import { AdminUsersService } from './admin-users.service.js';
import { ApiErrors } from '../../../core/http/openapi-decorators.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly admin: AdminUsersService) {}

  @Get()
  @Permissions('users.read')
  @ApiOperation({ summary: 'List, filter, search and sort users (keyset pagination)' })
  @ApiOkResponse({ type: AdminUserPage })
  list(
    @CurrentUser() actor: AuthUser,
    @Query() query: ListUsersQuery,
  ): Promise<Page<AdminUserDto>> {
    const { limit, cursor, sort, ...filter } = query;
    return this.admin.list(actor, filter, { limit, cursor }, sort);
  }

  @Post('bulk/ban')
  @HttpCode(200)
  @Permissions('users.manage')
  @ApiOperation({ summary: 'Ban up to 100 users; their sessions are revoked' })
  @ApiOkResponse({ type: BulkResultDto })
  bulkBan(
    @CurrentUser() actor: AuthUser,
    @Body() input: AdminBulkBanInput,
  ): Promise<BulkResultDto> {
    return this.admin.bulkBan(actor, input);
  }

  @Post('bulk/roles')
  @HttpCode(200)
  @Permissions('roles.assign')
  @ApiOperation({ summary: 'Assign or revoke a role for up to 100 users' })
  @ApiOkResponse({ type: BulkResultDto })
  bulkRoles(
    @CurrentUser() actor: AuthUser,
    @Body() input: AdminBulkRolesInput,
  ): Promise<BulkResultDto> {
    return this.admin.bulkRoles(actor, input);
  }

  @Patch(':id')
  @Permissions('users.manage')
  @ApiOperation({ summary: "Edit a user's profile or email verification" })
  @ApiOkResponse({ type: AdminUserDto })
  update(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Body() input: AdminUpdateUserInput,
  ): Promise<AdminUserDto> {
    return this.admin.update(actor, id, input);
  }

  @Post(':id/ban')
  @HttpCode(200)
  @Permissions('users.manage')
  @ApiOperation({ summary: 'Ban a user, for good or until a date; their sessions are revoked' })
  @ApiOkResponse({ type: AdminUserDto })
  ban(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Body() input: BanUserBody,
  ): Promise<AdminUserDto> {
    return this.admin.ban(actor, id, input);
  }

  @Post(':id/unban')
  @HttpCode(200)
  @Permissions('users.manage')
  @ApiOperation({ summary: 'Lift a ban' })
  @ApiOkResponse({ type: AdminUserDto })
  unban(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<AdminUserDto> {
    return this.admin.unban(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Permissions('users.manage')
  @ApiOperation({ summary: 'Restore an account deleted within its restore window' })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiErrors('NOT_FOUND', 'CONFLICT')
  restore(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<AdminUserDto> {
    return this.admin.restore(actor, id);
  }

  @Post(':id/roles')
  @HttpCode(200)
  @Permissions('roles.assign')
  @ApiOperation({ summary: 'Assign a role' })
  @ApiOkResponse({ type: AdminUserDto })
  assignRole(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Body() input: RoleBody,
  ): Promise<AdminUserDto> {
    return this.admin.assignRole(actor, id, input.role);
  }

  @Delete(':id/roles/:role')
  @Permissions('roles.assign')
  @ApiOperation({ summary: 'Revoke a role' })
  @ApiOkResponse({ type: AdminUserDto })
  revokeRole(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Param('role') role: string,
  ): Promise<AdminUserDto> {
    return this.admin.revokeRole(actor, id, role);
  }
}
