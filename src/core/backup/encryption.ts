import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** File layout: MAGIC, 16-byte HKDF salt, 12-byte IV, AES-256-GCM ciphertext, 16-byte tag. */
const MAGIC = Buffer.from('NSBKENC1');
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + SALT_BYTES + IV_BYTES;
const INFO = 'nest-starter backup v1';

export const ENCRYPTED_SUFFIX = '.enc';

function deriveKey(passphrase: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', passphrase, salt, INFO, 32));
}

/** Streams `source` into `path`, encrypted with a key derived from `passphrase` (fresh salt). */
export async function writeEncrypted(
  source: Readable,
  path: string,
  passphrase: string,
): Promise<void> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt), iv);
  const out = createWriteStream(path, { mode: 0o600 });
  out.write(Buffer.concat([MAGIC, salt, iv]));
  await pipeline(source, cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(cipher.getAuthTag(), resolve);
  });
}

/**
 * Decrypts `path` into `target`. The tag is read first and checked at the end: a wrong key or
 * a tampered file rejects (then `target` must not be used; callers write to a temporary file).
 */
export async function decryptFile(path: string, target: string, passphrase: string): Promise<void> {
  const handle = await open(path, 'r');
  let header: Buffer;
  let tag: Buffer;
  let size: number;
  try {
    size = (await handle.stat()).size;
    if (size < HEADER_BYTES + TAG_BYTES) throw new Error(`${path} is not an encrypted backup`);
    header = Buffer.alloc(HEADER_BYTES);
    tag = Buffer.alloc(TAG_BYTES);
    await handle.read(header, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error(`${path} is not an encrypted backup`);
  }
  const salt = header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES);
  const iv = header.subarray(MAGIC.length + SALT_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(passphrase, salt), iv);
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      createReadStream(path, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }),
      decipher,
      createWriteStream(target, { mode: 0o600 }),
    );
  } catch (error) {
    if (error instanceof Error && /authenticate/.test(error.message)) {
      throw new Error(`${path}: wrong BACKUP_ENCRYPTION_KEY or a damaged file`, { cause: error });
    }
    throw error;
  }
}
