import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Optional,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
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

/**
 * The port the API keys module implements (src/modules/api-keys): the caller behind a key, or
 * 401 UNAUTHENTICATED / 429 RATE_LIMIT_EXCEEDED. Optional: without the module, keys are refused.
 */
export abstract class ApiKeyAuthenticator {
  abstract authenticate(key: string, ip: string): Promise<AuthUser>;
}

export const SESSION_ONLY_KEY = 'sessionOnly';

/**
 * Refuses API keys (403) on a route or controller that only a signed-in user may use: managing
 * keys, and account security (password, e-mail, two-factor, sessions, deletion).
 */
export const SessionOnly = () => SetMetadata(SESSION_ONLY_KEY, true);

/** Every API key starts with this, so a key in `Authorization: Bearer` is told from a JWT. */
const API_KEY_PREFIX = 'nsk_';

const unauthenticated = (): AppException =>
  new AppException('UNAUTHENTICATED', 'A valid access token is required');

/** The key of `X-API-Key`, or of `Authorization: Bearer nsk_…`. */
function apiKeyOf(request: FastifyRequest, bearer: string | undefined): string | undefined {
  const header = request.headers['x-api-key'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value) return value;
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}

const allowedOrForbidden = (allowed: boolean): true => {
  if (!allowed) throw forbidden();
  return true;
};

/**
 * Deny by default: every route needs a valid access token (or API key) unless it is @Public(),
 * and every permission its @Permissions(...) lists; for a key, each one must be among its
 * scopes and still held by its owner.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly routes: RouteMetadataCache<{
    isPublic: boolean;
    sessionOnly: boolean;
    required: [Permission, ...Permission[]] | undefined;
  }>;
  private readonly keyUsers = new WeakMap<FastifyRequest, Promise<AuthUser>>();

  constructor(
    reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly revocations: AccessRevocationsService,
    private readonly permissions: PermissionsService,
    @Optional() private readonly apiKeys?: ApiKeyAuthenticator,
  ) {
    this.routes = new RouteMetadataCache((targets) => {
      const required = reflector.getAllAndOverride<Permission[] | undefined>(
        PERMISSIONS_KEY,
        targets,
      );
      return {
        isPublic: Boolean(reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)),
        sessionOnly: Boolean(reflector.getAllAndOverride<boolean>(SESSION_ONLY_KEY, targets)),
        required: required?.length ? (required as [Permission, ...Permission[]]) : undefined,
      };
    });
  }

  /** Synchronous once the permission map is loaded (Nest awaits only a returned promise). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, sessionOnly, required } = this.routes.get(context);
    if (isPublic) return true;

    const request = getRequest(context);
    const token = bearerToken(request);
    const apiKey = apiKeyOf(request, token);
    if (apiKey !== undefined) return this.withApiKey(request, apiKey, required, sessionOnly);
    const user = this.tokens.callerOf(request);
    if (!user || this.revocations.isRevoked(user)) throw unauthenticated();
    request.user = user;
    request.appContext.userId = user.id;

    if (!required) return true;
    const allowed = this.permissions.can(user, ...required);
    return typeof allowed === 'boolean'
      ? allowedOrForbidden(allowed)
      : allowed.then(allowedOrForbidden);
  }

  /** Once per request: a GraphQL request runs this guard for each of its root fields. */
  private keyUserOf(request: FastifyRequest, key: string): Promise<AuthUser> {
    if (!this.apiKeys) return Promise.reject(unauthenticated());
    let user = this.keyUsers.get(request);
    if (!user) {
      user = this.apiKeys.authenticate(key, request.ip);
      this.keyUsers.set(request, user);
    }
    return user;
  }

  private async withApiKey(
    request: FastifyRequest,
    key: string,
    required: [Permission, ...Permission[]] | undefined,
    sessionOnly: boolean,
  ): Promise<boolean> {
    const user = await this.keyUserOf(request, key);
    // A ban or deletion blocks the owner: its keys stop with its tokens.
    if (!user.apiKey || this.revocations.isRevoked(user)) throw unauthenticated();
    request.user = user;
    request.appContext.userId = user.id;
    request.appContext.apiKeyId = user.apiKey.id;
    if (sessionOnly) {
      throw new AppException('FORBIDDEN', 'requires a signed-in session, not an API key');
    }
    if (!required) return true;
    const missing = required.find((permission) => !user.apiKey?.scopes.includes(permission));
    if (missing) throw new AppException('FORBIDDEN', `requires scope ${missing}`);
    return allowedOrForbidden(await this.permissions.can(user, ...required));
  }
}
