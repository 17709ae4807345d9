import { type KeyObject, verify } from 'node:crypto';
import { checkClaims, decodeJson, type JwtPayload, type VerifyOptions } from './hs256.js';

export type AsymmetricAlgorithm = 'RS256' | 'EdDSA';

const headerCache = new Map<string, { alg: unknown; kid: string } | null>();

/** The kid of an acceptable header for `algorithm`, or undefined. Cached per header text. */
function kidOf(segment: string, algorithm: AsymmetricAlgorithm): string | undefined {
  let entry = headerCache.get(segment);
  if (entry === undefined) {
    const header = decodeJson(segment) as Record<string, unknown> | undefined;
    entry =
      !!header &&
      typeof header === 'object' &&
      !Array.isArray(header) &&
      typeof header.kid === 'string' &&
      header.crit === undefined &&
      header.jku === undefined &&
      header.jwk === undefined &&
      header.x5u === undefined &&
      header.x5c === undefined &&
      (header.typ === undefined || header.typ === 'JWT')
        ? { alg: header.alg, kid: header.kid }
        : null;
    if (headerCache.size < 64) headerCache.set(segment, entry);
  }
  // The algorithm is pinned: a header naming any other (HS256 with the public key, none) fails.
  return entry && entry.alg === algorithm ? entry.kid : undefined;
}

/**
 * Synchronous RS256/EdDSA verification with node:crypto, the asymmetric sibling of verifyHs256:
 * the algorithm is pinned to the configured one, the key is chosen by the header's `kid` among
 * the accepted public keys (an unknown kid fails), the signature must be canonical base64url (no
 * malleable re-encodings) and the same claims are checked.
 */
export function verifyAsymmetric(
  token: string,
  algorithm: AsymmetricAlgorithm,
  keys: ReadonlyMap<string, KeyObject>,
  options: VerifyOptions,
): JwtPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  const kid = kidOf(header, algorithm);
  if (kid === undefined) return undefined;
  const key = keys.get(kid);
  if (!key || key.type !== 'public') return undefined;
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length === 0 || sig.toString('base64url') !== signature) return undefined;
  let ok: boolean;
  try {
    ok = verify(
      algorithm === 'RS256' ? 'sha256' : null,
      Buffer.from(`${header}.${payload}`),
      key,
      sig,
    );
  } catch {
    return undefined;
  }
  if (!ok) return undefined;
  return checkClaims(payload, options);
}
