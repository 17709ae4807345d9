import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomBytes, randomUUID } from 'node:crypto';
import { authConfig } from '../../config/auth.config.js';
import { securityConfig } from '../../config/security.config.js';
import { AccessTokenService } from '../../core/auth/access-token.service.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { ClientInfo } from '../../core/http/client-info.decorator.js';
import { sha256 } from './crypto.js';
import type { AuthPayloadDto } from './dto/auth-payload.dto.js';
import { toUserDto } from './dto/user.dto.js';
import { SessionsRepository } from './sessions.repository.js';
import type { UserWithRoles } from './user.entity.js';

/**
 * Opens a session (refresh token + access token) for a user who has proved who they are: by
 * password, by an OpenID provider, or by restoring their account. One place, so every way in
 * gets the same lifetimes and the same `auth.login.succeeded` event.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: AccessTokenService,
    private readonly events: EventBus,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {}

  async start(user: UserWithRoles, client: ClientInfo): Promise<AuthPayloadDto> {
    const now = new Date();
    const sessionId = randomUUID();
    const refreshToken = randomBytes(32).toString('base64url');
    const absoluteExpiresAt = new Date(now.getTime() + this.config.sessionMaxAgeSeconds * 1000);
    await this.sessions.create({
      id: sessionId,
      userId: user.id,
      refreshTokenHash: sha256(refreshToken),
      ip: client.ip,
      userAgent: client.userAgent,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: this.slidingExpiry(now, absoluteExpiresAt),
      absoluteExpiresAt,
    });
    this.events.emit('auth.login.succeeded', { userId: user.id, sessionId });
    return this.payload(user, sessionId, refreshToken);
  }

  async payload(
    user: UserWithRoles,
    sessionId: string,
    refreshToken: string,
  ): Promise<AuthPayloadDto> {
    const accessToken = await this.tokens.sign({ id: user.id, roles: user.roles, sessionId });
    return {
      user: toUserDto(user),
      accessToken,
      refreshToken,
      expiresIn: this.security.accessTokenTtlSeconds,
    };
  }

  /** A refresh token lives REFRESH_TTL from its last use, never past the session's maximum age. */
  slidingExpiry(now: Date, absolute: Date): Date {
    return new Date(
      Math.min(now.getTime() + this.config.refreshTtlSeconds * 1000, absolute.getTime()),
    );
  }
}
