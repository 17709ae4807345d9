import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Seconds since the epoch; injectable for tests. */
  now?: number;
}

export type JwtPayload = Record<string, unknown> & { sub: string; jti: string; exp: number };

const knownGoodHeaders = new Set<string>();

export function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function headerIsHs256(segment: string): boolean {
  if (knownGoodHeaders.has(segment)) return true;
  const header = decodeJson(segment) as Record<string, unknown> | undefined;
  const ok =
    !!header &&
    typeof header === 'object' &&
    header.alg === 'HS256' &&
    header.crit === undefined &&
    (header.typ === undefined || header.typ === 'JWT');
  if (ok && knownGoodHeaders.size < 16) knownGoodHeaders.add(segment);
  return ok;
}

export const sameString = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Synchronous HS256 verification with node:crypto: the algorithm is pinned (`none` and every
 * other `alg` fail), the signature is compared as its exact base64url text in constant time, and
 * exp, nbf, iss, aud, sub and jti are checked. jose's verify goes through WebCrypto, whose key
 * import and thread-pool hop per call showed up as a large share of an authenticated read.
 */
export function verifyHs256(
  token: string,
  key: KeyObject,
  options: VerifyOptions,
): JwtPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  if (!headerIsHs256(header)) return undefined;
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  if (!sameString(expected, signature)) return undefined;

  return checkClaims(payload, options);
}

/** Clock difference tolerated between the signer and this process for `iat`. */
export const IAT_SKEW_SECONDS = 60;
// Subjects are user ids; anything else would reach PostgreSQL's uuid type as a 500.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The registered-claim checks shared by every algorithm: exp, nbf, iat (not in the future
 * beyond the skew), iss, aud, sub (a UUID) and jti.
 */
export function checkClaims(payload: string, options: VerifyOptions): JwtPayload | undefined {
  const claims = decodeJson(payload) as Record<string, unknown> | undefined;
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) return undefined;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now))
    return undefined;
  if (
    claims.iat !== undefined &&
    (typeof claims.iat !== 'number' || claims.iat > now + IAT_SKEW_SECONDS)
  )
    return undefined;
  if (claims.iss !== options.issuer) return undefined;
  const aud = claims.aud;
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience))))
    return undefined;
  if (typeof claims.sub !== 'string' || !UUID.test(claims.sub)) return undefined;
  if (typeof claims.jti !== 'string') return undefined;
  return claims as JwtPayload;
}
