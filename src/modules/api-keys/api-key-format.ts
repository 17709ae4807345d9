import { createHash, randomBytes } from 'node:crypto';

/** What every key starts with: recognisable in logs and by secret scanners. */
export const API_KEY_PREFIX = 'nsk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits. */
const SECRET_LENGTH = 43;
/** CRC32 (< 2^32) in base62, zero-padded: 62^6 > 2^32. */
const CHECKSUM_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + SECRET_LENGTH + CHECKSUM_LENGTH;
const DISPLAY_PREFIX_LENGTH = 8;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}$`);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, as zlib) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let out = '';
  for (let v = value; v > 0; v = Math.floor(v / 62)) out = ALPHABET[v % 62] + out;
  return out.padStart(width, '0');
}

/** Uniform base62 characters by rejection sampling (bytes ≥ 248 would bias the alphabet). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

const checksumOf = (body: string): string => base62(crc32(body), CHECKSUM_LENGTH);

export interface NewApiKeySecret {
  /** The full key, shown once. */
  key: string;
  /** The first 8 characters after `nsk_`, stored and shown to tell keys apart. */
  prefix: string;
  /** SHA-256 hex of the full key: the only form stored. */
  hash: string;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): NewApiKeySecret {
  const body = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
  const key = body + checksumOf(body);
  return { key, prefix: displayPrefixOf(key), hash: hashApiKey(key) };
}

export const displayPrefixOf = (key: string): string =>
  key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + DISPLAY_PREFIX_LENGTH);

/** Whether a credential is meant as an API key (then it never goes to the JWT verifier). */
export const looksLikeApiKey = (credential: string): boolean =>
  credential.startsWith(API_KEY_PREFIX);

/** Shape and checksum: a typo or a made-up key is refused without touching the database. */
export function isWellFormedApiKey(key: string): boolean {
  if (!SHAPE.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_LENGTH);
  return checksumOf(body) === key.slice(-CHECKSUM_LENGTH);
}
