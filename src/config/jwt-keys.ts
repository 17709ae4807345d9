import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'EdDSA';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'EdDSA'];
export const MIN_RSA_BITS = 2048;

export interface JwtKeys {
  privateKey: KeyObject;
  keyId: string;
  /** kid → public key; always holds the signing key's own public key. */
  publicKeys: Map<string, KeyObject>;
}

/** Accepts PEM with real newlines or `\n` escapes (as env files often carry them). */
export function normalisePem(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

function keyProblem(key: KeyObject, algorithm: JwtAlgorithm): string | undefined {
  if (algorithm === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') return 'must be an RSA key for RS256';
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `must be an RSA key of at least ${MIN_RSA_BITS} bits`;
  } else if (key.asymmetricKeyType !== 'ed25519') {
    return 'must be an Ed25519 key for EdDSA';
  }
  return undefined;
}

/** A stable key id: the first 16 hex characters of the SHA-256 of the public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Parses the asymmetric key settings. Returns either the keys or one problem per bad variable,
 * each naming it, so that config validation can refuse to start.
 */
export function parseJwtKeys(env: {
  JWT_ALGORITHM: JwtAlgorithm;
  JWT_PRIVATE_KEY?: string;
  JWT_KEY_ID?: string;
  JWT_PUBLIC_KEYS?: string;
}): { keys?: JwtKeys; problems: string[] } {
  const algorithm = env.JWT_ALGORITHM;
  const problems: string[] = [];
  if (algorithm === 'HS256') return { problems };
  let privateKey: KeyObject | undefined;
  if (!env.JWT_PRIVATE_KEY) {
    problems.push(`JWT_PRIVATE_KEY is required when JWT_ALGORITHM is ${algorithm}`);
  } else {
    try {
      privateKey = createPrivateKey(normalisePem(env.JWT_PRIVATE_KEY));
      const problem = keyProblem(privateKey, algorithm);
      if (problem) {
        problems.push(`JWT_PRIVATE_KEY ${problem}`);
        privateKey = undefined;
      }
    } catch {
      problems.push('JWT_PRIVATE_KEY is not a valid PEM private key');
    }
  }
  const publicKeys = new Map<string, KeyObject>();
  if (env.JWT_PUBLIC_KEYS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.JWT_PUBLIC_KEYS);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push('JWT_PUBLIC_KEYS must be a JSON object of { "<kid>": "<PEM public key>" }');
    } else {
      for (const [kid, pem] of Object.entries(parsed as Record<string, unknown>)) {
        try {
          if (typeof pem !== 'string') throw new Error('not a string');
          const key = createPublicKey(normalisePem(pem));
          const problem = keyProblem(key, algorithm);
          if (problem) problems.push(`JWT_PUBLIC_KEYS["${kid}"] ${problem}`);
          else publicKeys.set(kid, key);
        } catch {
          problems.push(`JWT_PUBLIC_KEYS["${kid}"] is not a valid PEM public key`);
        }
      }
    }
  }
  if (!privateKey || problems.length > 0) return { problems };
  const ownPublic = createPublicKey(privateKey);
  const keyId = env.JWT_KEY_ID ?? keyIdOf(ownPublic);
  publicKeys.set(keyId, ownPublic);
  return { keys: { privateKey, keyId, publicKeys }, problems };
}

/** A fresh key pair as env lines (for `npm run cli -- keys ed25519|rsa`). */
export function generateJwtKeyLines(kind: 'ed25519' | 'rsa'): string[] {
  const { privateKey, publicKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 3072 })
      : generateKeyPairSync('ed25519');
  const escape = (pem: string): string => pem.trim().replace(/\n/g, '\\n');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const kid = keyIdOf(publicKey);
  return [
    `JWT_ALGORITHM=${kind === 'rsa' ? 'RS256' : 'EdDSA'}`,
    `JWT_KEY_ID=${kid}`,
    `JWT_PRIVATE_KEY="${escape(privatePem)}"`,
    `# public key, for JWT_PUBLIC_KEYS after the next rotation: ${JSON.stringify({ [kid]: publicPem.trim() })}`,
  ];
}
