import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { UserDto } from './dto/user.dto.js';
import { ChangePasswordInput, UpdateProfileInput } from './dto/user.inputs.js';
import { UsersService } from './users.service.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'My account' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() actor: AuthUser): Promise<UserDto> {
    return this.users.me(actor);
  }

  @Patch()
  @ApiOperation({ summary: 'Update my profile (name, bio, time zone, locale)' })
  @ApiOkResponse({ type: UserDto })
  update(@CurrentUser() actor: AuthUser, @Body() input: UpdateProfileInput): Promise<UserDto> {
    return this.users.updateProfile(actor, input);
  }

  @SessionOnly()
  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change my password; my other sessions are revoked' })
  async changePassword(
    @CurrentUser() actor: AuthUser,
    @Body() input: ChangePasswordInput,
  ): Promise<void> {
    await this.users.changePassword(actor, input);
  }
}
