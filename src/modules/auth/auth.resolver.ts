import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Public } from '../../core/auth/public.decorator.js';
import { Client, type ClientInfo } from '../../core/http/client-info.decorator.js';
import { PageArgs } from '../../core/pagination/page.args.js';
import type { Page } from '../../core/pagination/page.js';
import { RateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import { UuidArg } from '../../core/validation/uuid.js';
import { AuthService } from './auth.service.js';
import { AuthPayloadDto, type SessionDto, SessionPage } from './dto/auth-payload.dto.js';
import {
  ForgotPasswordInput,
  LoginInput,
  LogoutInput,
  RefreshTokenArgs,
  RegisterInput,
  ResetPasswordInput,
  RestoreAccountInput,
  VerifyEmailInput,
} from './dto/auth.inputs.js';
import { SessionsService } from './sessions.service.js';
import { VerificationService } from './verification.service.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly sessionsService: SessionsService,
    private readonly verification: VerificationService,
  ) {}

  @Public()
  @RateLimit('strict')
  @Mutation(() => AuthPayloadDto, { description: 'Create an account and start a session' })
  register(
    @Args('input') input: RegisterInput,
    @Client() client: ClientInfo,
  ): Promise<AuthPayloadDto> {
    return this.auth.register(input, client);
  }

  @Public()
  @RateLimit('strict')
  @Mutation(() => AuthPayloadDto, { description: 'Exchange email and password for tokens' })
  login(@Args('input') input: LoginInput, @Client() client: ClientInfo): Promise<AuthPayloadDto> {
    return this.auth.login(input, client);
  }

  @Public()
  @RateLimit('strict', { bucket: 'restore' })
  @Mutation(() => AuthPayloadDto, {
    description:
      'Restore my deleted account within the restore window and start a session (login credentials)',
  })
  restoreAccount(
    @Args('input') input: RestoreAccountInput,
    @Client() client: ClientInfo,
  ): Promise<AuthPayloadDto> {
    return this.auth.restore(input, client);
  }

  @Public()
  @RateLimit('strict', { bucket: 'refresh' })
  @Mutation(() => AuthPayloadDto, { description: 'Rotate the refresh token' })
  refreshToken(@Args() args: RefreshTokenArgs): Promise<AuthPayloadDto> {
    return this.auth.refresh(args.token);
  }

  @SessionOnly()
  @Mutation(() => Boolean, { description: "End the access token's session" })
  async logout(@CurrentUser() actor: AuthUser, @Args() input: LogoutInput): Promise<boolean> {
    await this.auth.logout(actor, input.refreshToken);
    return true;
  }

  @Public()
  @RateLimit('strict')
  @Mutation(() => Boolean, { description: 'Confirm the email address with the mailed token' })
  async verifyEmail(@Args() input: VerifyEmailInput): Promise<boolean> {
    await this.verification.verifyEmail(input.token);
    return true;
  }

  @RateLimit('strict')
  @Mutation(() => Boolean, {
    description: 'Mail a new verification link (nothing when already verified)',
  })
  async resendVerificationEmail(@CurrentUser() actor: AuthUser): Promise<boolean> {
    await this.verification.resendVerification(actor);
    return true;
  }

  @Public()
  @RateLimit('strict', { bucket: 'forgotPassword' })
  @Mutation(() => Boolean, {
    description: 'Mail a password reset link; always true, whether or not the account exists',
  })
  async requestPasswordReset(@Args() input: ForgotPasswordInput): Promise<boolean> {
    await this.verification.requestPasswordReset(input.email);
    return true;
  }

  @Public()
  @RateLimit('strict')
  @Mutation(() => Boolean, { description: 'Set a new password with the mailed token' })
  async resetPassword(@Args('input') input: ResetPasswordInput): Promise<boolean> {
    await this.verification.resetPassword(input.token, input.password);
    return true;
  }

  @SessionOnly()
  @Query(() => SessionPage, { description: 'My active sessions, newest first' })
  sessions(
    @CurrentUser() actor: AuthUser,
    @Args('page', { type: () => PageArgs, nullable: true }) page?: PageArgs,
  ): Promise<Page<SessionDto>> {
    return this.sessionsService.list(actor, page ?? {});
  }

  @SessionOnly()
  @Mutation(() => Boolean, { description: 'Revoke one of my sessions' })
  async revokeSession(@CurrentUser() actor: AuthUser, @UuidArg('id') id: string): Promise<boolean> {
    await this.sessionsService.revoke(actor, id);
    return true;
  }

  @SessionOnly()
  @Mutation(() => Int, {
    description: 'Revoke all my sessions but the current one; returns how many',
  })
  revokeOtherSessions(@CurrentUser() actor: AuthUser): Promise<number> {
    return this.sessionsService.revokeOthers(actor);
  }
}
