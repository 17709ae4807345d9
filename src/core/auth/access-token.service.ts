import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SignJWT } from 'jose';
import { createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from './auth-user.js';
import { verifyHs256 } from './hs256.js';

const ALGORITHM = 'HS256';

/** Issues and verifies access tokens (JWT, HS256): iss, aud, sub, jti, exp and roles. */
@Injectable()
export class AccessTokenService {
  private readonly key: Uint8Array;
  private readonly keyObject: KeyObject;

  constructor(
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {
    if (config.jwtSecret) {
      this.key = new TextEncoder().encode(config.jwtSecret);
    } else {
      // Outside production only (config refuses to start without it there).
      new Logger('Auth').warn(
        'JWT_SECRET is not set: using a random key, tokens end with the process',
      );
      this.key = randomBytes(32);
    }
    this.keyObject = createSecretKey(this.key);
  }

  async sign(user: AuthUser, ttlSeconds = this.config.accessTokenTtlSeconds): Promise<string> {
    const claims = user.sessionId
      ? { roles: user.roles, sid: user.sessionId }
      : { roles: user.roles };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(this.config.jwtIssuer)
      .setAudience(this.config.jwtAudience)
      .setJti(user.tokenId ?? randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The caller behind a token, or undefined for any invalid, expired or foreign token. */
  async verify(token: string): Promise<AuthUser | undefined> {
    const payload = verifyHs256(token, this.keyObject, {
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
    });
    if (!payload) return undefined;
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string')
      : [];
    const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    return { id: payload.sub, roles, tokenId: payload.jti, sessionId };
  }
}
