import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException } from '../errors/app.exception.js';
import { getRequest } from '../http/get-request.js';
import { RouteMetadataCache } from '../http/route-metadata-cache.js';
import { AccessRevocationsService } from './access-revocations.service.js';
import { AccessTokenService } from './access-token.service.js';
import type { AuthUser } from './auth-user.js';
import { PERMISSIONS_KEY } from './permissions.decorator.js';
import { PermissionsService } from './permissions.service.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';
import { ROLES_KEY } from './roles.decorator.js';
import { bearerToken } from './bearer-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

/** Deny by default: every route needs a valid access token unless it is @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly routes: RouteMetadataCache<{
    isPublic: boolean;
    roles: string[] | undefined;
    required: string[] | undefined;
  }>;

  constructor(
    reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly revocations: AccessRevocationsService,
    private readonly permissions: PermissionsService,
  ) {
    this.routes = new RouteMetadataCache((targets) => ({
      isPublic: Boolean(reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)),
      roles: reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets),
      required: reflector.getAllAndOverride<string[] | undefined>(PERMISSIONS_KEY, targets),
    }));
  }

  /** Synchronous unless the route requires permissions (Nest awaits only a returned promise). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, roles, required } = this.routes.get(context);
    if (isPublic) return true;

    const request = getRequest(context);
    const token = bearerToken(request);
    const user = token ? this.tokens.verify(token) : undefined;
    if (!user || this.revocations.isRevoked(user)) {
      throw new AppException('UNAUTHENTICATED', 'A valid access token is required');
    }
    request.user = user;
    request.appContext.userId = user.id;

    if (roles?.length && !roles.some((role) => user.roles.includes(role))) {
      throw new AppException('FORBIDDEN', 'You do not have permission to do this');
    }
    return required?.length ? this.checkPermissions(user.roles, required) : true;
  }

  private async checkPermissions(roles: string[], required: string[]): Promise<boolean> {
    const granted = await this.permissions.forRoles(roles);
    if (!required.every((permission) => granted.has(permission))) {
      throw new AppException('FORBIDDEN', 'You do not have permission to do this');
    }
    return true;
  }
}
