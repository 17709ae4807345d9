import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SignJWT } from 'jose';
import { createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from './auth-user.js';
import type { JwtKeys } from '../../config/jwt-keys.js';
import { verifyHs256 } from './hs256.js';
import { verifyAsymmetric } from './jws.js';

/**
 * Issues and verifies access tokens (JWT; HS256 by default, RS256 or EdDSA with a `kid` and
 * rotation through JWT_PUBLIC_KEYS): iss, aud, sub, jti, exp and roles.
 */
@Injectable()
export class AccessTokenService {
  private readonly key: Uint8Array;
  private readonly keyObject: KeyObject;
  private readonly jwtKeys: JwtKeys | undefined;

  constructor(
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {
    if (config.jwtSecret) {
      this.key = new TextEncoder().encode(config.jwtSecret);
    } else {
      // Outside production only (config refuses to start without it there); unused but for
      // HS256.
      if (config.jwtAlgorithm === 'HS256')
        new Logger('Auth').warn(
          'JWT_SECRET is not set: using a random key, tokens end with the process',
        );
      this.key = randomBytes(32);
    }
    this.keyObject = createSecretKey(this.key);
    this.jwtKeys = config.jwtAlgorithm === 'HS256' ? undefined : config.jwtKeys;
    if (config.jwtAlgorithm !== 'HS256' && !this.jwtKeys) {
      // Unreachable through config validation, which names the bad variable; kept as a guard.
      throw new Error(`JWT_PRIVATE_KEY is required when JWT_ALGORITHM is ${config.jwtAlgorithm}`);
    }
  }

  async sign(user: AuthUser, ttlSeconds = this.config.accessTokenTtlSeconds): Promise<string> {
    const claims = user.sessionId
      ? { roles: user.roles, sid: user.sessionId }
      : { roles: user.roles };
    const keys = this.jwtKeys;
    return new SignJWT(claims)
      .setProtectedHeader(
        keys
          ? { alg: this.config.jwtAlgorithm, typ: 'JWT', kid: keys.keyId }
          : { alg: 'HS256', typ: 'JWT' },
      )
      .setSubject(user.id)
      .setIssuer(this.config.jwtIssuer)
      .setAudience(this.config.jwtAudience)
      .setJti(user.tokenId ?? randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(keys ? keys.privateKey : this.key);
  }

  /**
   * The caller behind a token, or undefined for any invalid, expired or foreign token.
   * Synchronous (node:crypto), so the auth guard can answer without a promise per request.
   */
  verify(token: string): AuthUser | undefined {
    const options = { issuer: this.config.jwtIssuer, audience: this.config.jwtAudience };
    const algorithm = this.config.jwtAlgorithm;
    const payload =
      algorithm === 'HS256' || !this.jwtKeys
        ? verifyHs256(token, this.keyObject, options)
        : verifyAsymmetric(token, algorithm, this.jwtKeys.publicKeys, options);
    if (!payload) return undefined;
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string')
      : [];
    const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    return { id: payload.sub, roles, tokenId: payload.jti, sessionId };
  }
}
