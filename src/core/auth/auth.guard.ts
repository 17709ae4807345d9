import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException } from '../errors/app.exception.js';
import { getRequest } from '../http/get-request.js';
import { RouteMetadataCache } from '../http/route-metadata-cache.js';
import { AccessRevocationsService } from './access-revocations.service.js';
import { AccessTokenService } from './access-token.service.js';
import type { AuthUser } from './auth-user.js';
import { bearerToken } from './bearer-token.js';
import type { Permission } from './permissions.js';
import { PERMISSIONS_KEY } from './permissions.decorator.js';
import { forbidden, PermissionsService } from './permissions.service.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

const allowedOrForbidden = (allowed: boolean): true => {
  if (!allowed) throw forbidden();
  return true;
};

/**
 * Deny by default: every route needs a valid access token unless it is @Public(), and every
 * permission its @Permissions(...) lists.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly routes: RouteMetadataCache<{
    isPublic: boolean;
    required: [Permission, ...Permission[]] | undefined;
  }>;

  constructor(
    reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly revocations: AccessRevocationsService,
    private readonly permissions: PermissionsService,
  ) {
    this.routes = new RouteMetadataCache((targets) => {
      const required = reflector.getAllAndOverride<Permission[] | undefined>(
        PERMISSIONS_KEY,
        targets,
      );
      return {
        isPublic: Boolean(reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)),
        required: required?.length ? (required as [Permission, ...Permission[]]) : undefined,
      };
    });
  }

  /** Synchronous once the permission map is loaded (Nest awaits only a returned promise). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, required } = this.routes.get(context);
    if (isPublic) return true;

    const request = getRequest(context);
    const token = bearerToken(request);
    const user = token ? this.tokens.verify(token) : undefined;
    if (!user || this.revocations.isRevoked(user)) {
      throw new AppException('UNAUTHENTICATED', 'A valid access token is required');
    }
    request.user = user;
    request.appContext.userId = user.id;

    if (!required) return true;
    const allowed = this.permissions.can(user, ...required);
    return typeof allowed === 'boolean'
      ? allowedOrForbidden(allowed)
      : allowed.then(allowedOrForbidden);
  }
}
