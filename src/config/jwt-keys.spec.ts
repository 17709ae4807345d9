import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJwtKeys } from './jwt-keys.js';

const pemOf = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

const ed = generateKeyPairSync('ed25519');

describe('parseJwtKeys', () => {
  it('names the variable for a missing, invalid or weak key', () => {
    expect(parseJwtKeys({ JWT_ALGORITHM: 'RS256' }).problems).toEqual([
      'JWT_PRIVATE_KEY is required when JWT_ALGORITHM is RS256',
    ]);
    expect(parseJwtKeys({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'nope' }).problems).toEqual([
      'JWT_PRIVATE_KEY is not a valid PEM private key',
    ]);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      parseJwtKeys({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pemOf(small.privateKey, 'pkcs8') })
        .problems,
    ).toEqual(['JWT_PRIVATE_KEY must be an RSA key of at least 2048 bits']);
    expect(
      parseJwtKeys({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8') })
        .problems,
    ).toEqual(['JWT_PRIVATE_KEY must be an RSA key for RS256']);
    expect(
      parseJwtKeys({
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
        JWT_PUBLIC_KEYS: '[1]',
      }).problems,
    ).toEqual(['JWT_PUBLIC_KEYS must be a JSON object of { "<kid>": "<PEM public key>" }']);
    expect(
      parseJwtKeys({
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: pemOf(ed.privateKey, 'pkcs8'),
        JWT_PUBLIC_KEYS: JSON.stringify({ old: 'garbage' }),
      }).problems,
    ).toEqual(['JWT_PUBLIC_KEYS["old"] is not a valid PEM public key']);
  });

  it('needs nothing for HS256', () => {
    expect(parseJwtKeys({ JWT_ALGORITHM: 'HS256' })).toEqual({ problems: [] });
  });
});
