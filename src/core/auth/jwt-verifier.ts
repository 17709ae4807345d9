import { createDecoder, createVerifier } from 'fast-jwt';
import type { KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../../config/jwt-keys.js';

export type JwtPayload = Record<string, unknown> & { sub: string; jti: string; exp: number };

/** HS256: the secret; RS256/EdDSA: the accepted public keys by `kid` (rotation). */
export type JwtVerifierKeys =
  | { algorithm: 'HS256'; secret: KeyObject }
  | { algorithm: Exclude<JwtAlgorithm, 'HS256'>; publicKeys: ReadonlyMap<string, KeyObject> };

export type JwtVerifierOptions = JwtVerifierKeys & { issuer: string; audience: string };

/** Clock difference tolerated between the signer and this process for `iat`. */
export const IAT_SKEW_SECONDS = 60;
// Subjects are user ids; anything else would reach PostgreSQL's uuid type as a 500.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Verified tokens are cached (bounded by their exp), so a repeated token costs a hash lookup.
const CACHE_SIZE = 1000;

interface Decoded {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}
type Verify = (token: string) => Decoded;

/**
 * Access-token verification on fast-jwt (synchronous, with a cache): the algorithm is pinned,
 * exp, nbf, iss, aud, sub (a UUID) and crit are checked by the library; the few rules it has
 * no option for are checked here: an `iat` beyond the skew, a missing `jti`, a non-canonical
 * signature (same bytes, other text), an unexpected `typ` or a key-carrying header. With
 * asymmetric keys, the header's `kid` picks the key; an unknown kid fails.
 */
export function createJwtVerifier(
  options: JwtVerifierOptions,
): (token: string) => JwtPayload | undefined {
  const verifierFor = (key: KeyObject): Verify | undefined => {
    try {
      return build(key);
    } catch {
      return undefined; // a key of another type than the algorithm needs verifies nothing
    }
  };
  const build = (key: KeyObject): Verify =>
    createVerifier({
      key: key.type === 'secret' ? key.export() : key.export({ type: 'spki', format: 'pem' }),
      algorithms: [options.algorithm],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      allowedSub: UUID,
      requiredClaims: ['exp', 'sub', 'jti'],
      complete: true,
      cache: CACHE_SIZE,
    }) as Verify;

  let pick: (token: string) => Verify | undefined;
  if (options.algorithm === 'HS256') {
    const only = build(options.secret);
    pick = () => only;
  } else {
    const byKid = new Map<string, Verify>();
    for (const [kid, key] of options.publicKeys) {
      const verify = key.type === 'public' ? verifierFor(key) : undefined;
      if (verify) byKid.set(kid, verify);
    }
    const decodeHeader = createDecoder({ complete: true });
    pick = (token) => {
      const kid = (decodeHeader(token) as Decoded).header.kid;
      return typeof kid === 'string' ? byKid.get(kid) : undefined;
    };
  }

  return (token) => {
    try {
      const verify = pick(token);
      if (!verify || !canonicalSignature(token)) return undefined;
      const { header, payload } = verify(token);
      return headerAllowed(header) && claimsAllowed(payload) ? (payload as JwtPayload) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The signature text must be the one encoding of its bytes (no padding, no spare bits set). */
function canonicalSignature(token: string): boolean {
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return (
    signature.length > 0 && Buffer.from(signature, 'base64url').toString('base64url') === signature
  );
}

function headerAllowed(header: Record<string, unknown>): boolean {
  return (
    (header.typ === undefined || header.typ === 'JWT') &&
    header.jku === undefined &&
    header.jwk === undefined &&
    header.x5u === undefined &&
    header.x5c === undefined
  );
}

function claimsAllowed(claims: Record<string, unknown>): boolean {
  const now = Math.floor(Date.now() / 1000);
  const iat = claims.iat;
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + IAT_SKEW_SECONDS)) return false;
  return typeof claims.jti === 'string';
}
