import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../../config/auth.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { PermissionsService } from '../../core/auth/permissions.service.js';
import { AppException } from '../../core/errors/app.exception.js';
import { getRequest } from '../../core/http/get-request.js';
import { AuthController } from './auth.controller.js';
import { AuthResolver } from './auth.resolver.js';
import { TwoFactorController } from './two-factor.controller.js';
import { TwoFactorResolver } from './two-factor.resolver.js';
import { TwoFactorService } from './two-factor.service.js';
import { UsersController } from './users.controller.js';
import { UsersResolver } from './users.resolver.js';

/** What a caller without two-factor may still reach: turning it on, their account, logout. */
const ALLOWED: Array<[unknown, string | undefined]> = [
  [TwoFactorController, undefined],
  [TwoFactorResolver, undefined],
  [UsersController, 'me'],
  [UsersResolver, 'me'],
  [AuthController, 'logout'],
  [AuthResolver, 'logout'],
];

/**
 * AUTH_REQUIRE_2FA_FOR_ADMINS: a caller granted `auth.2fa.required` (the admin role, seeded by a
 * migration; grant it to other roles as data) whose account has no two-factor on gets 403
 * TWO_FACTOR_REQUIRED everywhere but the routes above. Runs after the core AuthGuard (CoreModule's
 * guards are registered first); one primary-key read per such request, none otherwise.
 */
@Injectable()
export class TwoFactorRequiredGuard implements CanActivate {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly permissions: PermissionsService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.config.requireTwoFactorForAdmins) return true;
    if (context.getType<string>() !== 'http' && context.getType<string>() !== 'graphql') {
      return true;
    }
    const user = getRequest(context).user;
    if (!user) return true;
    const required = this.permissions.can(user, 'auth.2fa.required');
    return typeof required === 'boolean'
      ? this.check(required, context, user)
      : required.then((r) => this.check(r, context, user));
  }

  private check(
    required: boolean,
    context: ExecutionContext,
    user: AuthUser,
  ): boolean | Promise<boolean> {
    if (!required) return true;
    const cls = context.getClass();
    const handler = context.getHandler().name;
    if (ALLOWED.some(([c, h]) => c === cls && (h === undefined || h === handler))) return true;
    return this.requireEnabled(user.id);
  }

  private async requireEnabled(userId: string): Promise<boolean> {
    if (await this.twoFactor.isEnabled(userId)) return true;
    throw new AppException(
      'TWO_FACTOR_REQUIRED',
      'Administrators must turn on two-factor authentication first (POST /auth/2fa/setup)',
    );
  }
}
