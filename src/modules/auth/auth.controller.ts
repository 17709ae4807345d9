import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Public } from '../../core/auth/public.decorator.js';
import { Client, type ClientInfo } from '../../core/http/client-info.decorator.js';
import { PageArgs } from '../../core/pagination/page.args.js';
import type { Page } from '../../core/pagination/page.js';
import { RateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import { UuidParam } from '../../core/validation/uuid.js';
import { AuthService } from './auth.service.js';
import { AuthPayloadDto, type SessionDto, SessionPage } from './dto/auth-payload.dto.js';
import {
  ForgotPasswordInput,
  LoginInput,
  LogoutInput,
  RefreshInput,
  RegisterInput,
  ResetPasswordInput,
  RestoreAccountInput,
  VerifyEmailInput,
} from './dto/auth.inputs.js';
import { SessionsService } from './sessions.service.js';
import { VerificationService } from './verification.service.js';
import { ApiAcceptedEmpty, ApiErrors } from '../../core/http/openapi-decorators.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly verification: VerificationService,
  ) {}

  @Public()
  @RateLimit('strict')
  @Post('register')
  @ApiOperation({ summary: 'Create an account and start a session' })
  @ApiCreatedResponse({ type: AuthPayloadDto })
  @ApiErrors('CONFLICT')
  register(@Body() input: RegisterInput, @Client() client: ClientInfo): Promise<AuthPayloadDto> {
    return this.auth.register(input, client);
  }

  @Public()
  @RateLimit('strict')
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({ type: AuthPayloadDto })
  @ApiErrors(
    'UNAUTHENTICATED',
    'OTP_REQUIRED',
    'FORBIDDEN',
    'EMAIL_NOT_VERIFIED',
    'ACCOUNT_DELETED',
  )
  login(@Body() input: LoginInput, @Client() client: ClientInfo): Promise<AuthPayloadDto> {
    return this.auth.login(input, client);
  }

  @Public()
  @RateLimit('strict')
  @Post('restore')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Restore my deleted account within AUTH_ACCOUNT_RESTORE_DAYS and start a session',
    description:
      'The credentials of a login (email, password, otp with two-factor on). An unknown email, a wrong password or a passed window answer 401 like a failed login; an account that is not deleted answers 409.',
  })
  @ApiOkResponse({ type: AuthPayloadDto })
  @ApiErrors('UNAUTHENTICATED', 'OTP_REQUIRED', 'FORBIDDEN', 'EMAIL_NOT_VERIFIED', 'CONFLICT')
  restore(
    @Body() input: RestoreAccountInput,
    @Client() client: ClientInfo,
  ): Promise<AuthPayloadDto> {
    return this.auth.restore(input, client);
  }

  @Public()
  @RateLimit('strict')
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token; reusing an old one revokes the session' })
  @ApiOkResponse({ type: AuthPayloadDto })
  @ApiErrors('UNAUTHENTICATED')
  refresh(@Body() input: RefreshInput): Promise<AuthPayloadDto> {
    return this.auth.refresh(input.refreshToken);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: "End the access token's session (and the given refresh token's)" })
  async logout(@CurrentUser() actor: AuthUser, @Body() input: LogoutInput): Promise<void> {
    await this.auth.logout(actor, input.refreshToken);
  }

  @Public()
  @RateLimit('strict')
  @Post('verify-email')
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm the email address with the token from the mailed link' })
  async verifyEmail(@Body() input: VerifyEmailInput): Promise<void> {
    await this.verification.verifyEmail(input.token);
  }

  @ApiBearerAuth()
  @RateLimit('strict')
  @Post('verify-email/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a new verification link (nothing when already verified)' })
  @ApiAcceptedEmpty('Mail queued (or nothing to do)')
  async resendVerificationEmail(@CurrentUser() actor: AuthUser): Promise<Record<string, never>> {
    await this.verification.resendVerification(actor);
    return {};
  }

  @Public()
  @RateLimit('strict')
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a password reset link; the same answer whether or not it exists' })
  @ApiAcceptedEmpty('Mail queued when the address has an account')
  async forgotPassword(@Body() input: ForgotPasswordInput): Promise<Record<string, never>> {
    await this.verification.requestPasswordReset(input.email);
    return {};
  }

  @Public()
  @RateLimit('strict')
  @Post('password/reset')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the mailed token; ends every session' })
  async resetPassword(@Body() input: ResetPasswordInput): Promise<void> {
    await this.verification.resetPassword(input.token, input.password);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Get('sessions')
  @ApiOperation({ summary: 'My active sessions, newest first (keyset pagination)' })
  @ApiOkResponse({ type: SessionPage })
  listSessions(@CurrentUser() actor: AuthUser, @Query() page: PageArgs): Promise<Page<SessionDto>> {
    return this.sessions.list(actor, page);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of my sessions' })
  async revokeSession(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.sessions.revoke(actor, id);
  }

  @ApiBearerAuth()
  @SessionOnly()
  @Delete('sessions')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke all my sessions but the current one' })
  async revokeOtherSessions(@CurrentUser() actor: AuthUser): Promise<void> {
    await this.sessions.revokeOthers(actor);
  }
}
