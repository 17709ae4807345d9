import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { getRequest } from '../http/get-request.js';
import { AccessTokenService } from './access-token.service.js';
import type { AuthUser } from './auth-user.js';
import { PERMISSIONS_KEY } from './permissions.decorator.js';
import { PermissionsService } from './permissions.service.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';
import { ROLES_KEY } from './roles.decorator.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header || !header.startsWith('Bearer ')) return undefined;
  return header.slice(7).trim() || undefined;
}

/** Deny by default: every route needs a valid access token unless it is @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly permissions: PermissionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;

    const request = getRequest(context);
    const token = bearerToken(request);
    const user = token ? await this.tokens.verify(token) : undefined;
    if (!user) throw new AppException('UNAUTHENTICATED', 'A valid access token is required');
    request.user = user;
    request.appContext.userId = user.id;

    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets);
    if (roles?.length && !roles.some((role) => user.roles.includes(role))) {
      throw new AppException('FORBIDDEN', 'You do not have permission to do this');
    }
    const required = this.reflector.getAllAndOverride<string[] | undefined>(
      PERMISSIONS_KEY,
      targets,
    );
    if (required?.length) {
      const granted = await this.permissions.forRoles(user.roles);
      if (!required.every((permission) => granted.has(permission))) {
        throw new AppException('FORBIDDEN', 'You do not have permission to do this');
      }
    }
    return true;
  }
}
