import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createSigner } from 'fast-jwt';
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from './auth-user.js';
import { bearerToken } from './bearer-token.js';
import { createJwtVerifier, type JwtPayload } from './jwt-verifier.js';

type Sign = (claims: Record<string, unknown>) => string;
type RequestWithHeaders = Pick<FastifyRequest, 'headers'>;

/**
 * Issues and verifies access tokens with fast-jwt (JWT; HS256 by default, RS256 or EdDSA with a
 * `kid` and rotation through JWT_PUBLIC_KEYS): iss, aud, sub, jti, iat, exp and roles.
 */
@Injectable()
export class AccessTokenService {
  private readonly signer: Sign;
  private readonly verifier: (token: string) => JwtPayload | undefined;
  // A request is asked several times (GraphQL rate limit, idempotency, the auth guard once per
  // root field): each verification hashes the token for fast-jwt's cache, so verify it once.
  private readonly callers = new WeakMap<object, { token: string; user: AuthUser | undefined }>();

  constructor(
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {
    const { jwtAlgorithm: algorithm, jwtIssuer: issuer, jwtAudience: audience } = config;
    const common = { algorithm, iss: issuer, aud: audience };
    if (algorithm === 'HS256') {
      const secret = createSecretKey(this.secret(config.jwtSecret));
      this.signer = createSigner({ ...common, key: secret.export() }) as Sign;
      this.verifier = createJwtVerifier({ algorithm, secret, issuer, audience });
      return;
    }
    const keys = config.jwtKeys;
    // Unreachable through config validation, which names the bad variable; kept as a guard.
    if (!keys) throw new Error(`JWT_PRIVATE_KEY is required when JWT_ALGORITHM is ${algorithm}`);
    const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.signer = createSigner({ ...common, key: privatePem, kid: keys.keyId }) as Sign;
    this.verifier = createJwtVerifier({
      algorithm,
      publicKeys: keys.publicKeys,
      issuer,
      audience,
    });
  }

  async sign(user: AuthUser, ttlSeconds = this.config.accessTokenTtlSeconds): Promise<string> {
    const claims = user.sessionId
      ? { roles: user.roles, sid: user.sessionId }
      : { roles: user.roles };
    return this.signer({
      ...claims,
      sub: user.id,
      jti: user.tokenId ?? randomUUID(),
      exp: Math.floor(Date.now() / 1000) + ttlSeconds,
    });
  }

  /**
   * The caller behind a token, or undefined for any invalid, expired or foreign token.
   * Synchronous, so the auth guard can answer without a promise per request.
   */
  verify(token: string): AuthUser | undefined {
    const payload = this.verifier(token);
    if (!payload) return undefined;
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string')
      : [];
    const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    return { id: payload.sub, roles, tokenId: payload.jti, sessionId };
  }

  /**
   * The caller behind the request's `Authorization: Bearer` token (undefined without one, or
   * for a token `verify` refuses), verified once per request. Revocation is not checked here:
   * callers ask AccessRevocationsService, which answers from memory and at once.
   */
  callerOf(request: RequestWithHeaders): AuthUser | undefined {
    const token = bearerToken(request);
    if (!token) return undefined;
    const known = this.callers.get(request);
    if (known?.token === token) return known.user;
    const user = this.verify(token);
    this.callers.set(request, { token, user });
    return user;
  }

  private secret(configured: string | undefined): Buffer {
    if (configured) return Buffer.from(configured, 'utf8');
    // Outside production only (config refuses to start without it there).
    new Logger('Auth').warn(
      'JWT_SECRET is not set: using a random key, tokens end with the process',
    );
    return randomBytes(32);
  }
}
