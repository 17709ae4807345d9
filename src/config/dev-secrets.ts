import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Env } from './env.schema.js';
import { generateSecret, MIN_SECRET_LENGTH } from './secrets.js';

/** Git-ignored (.data/): development secrets kept across restarts, so sessions survive them. */
export const DEV_SECRETS_FILE = '.data/dev-secrets.json';

export interface DevSecrets {
  JWT_SECRET: string;
  SIGNING_SECRET: string;
}

const usable = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= MIN_SECRET_LENGTH;

function readSecrets(file: string): DevSecrets | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (usable(parsed.JWT_SECRET) && usable(parsed.SIGNING_SECRET)) {
      return { JWT_SECRET: parsed.JWT_SECRET, SIGNING_SECRET: parsed.SIGNING_SECRET };
    }
  } catch {
    // missing or unreadable: generated below
  }
  return undefined;
}

/**
 * Writes fresh secrets (mode 0600) unless another process (the worker starting next to the API)
 * wrote its own first: the file is linked into place, which fails when it exists, so every
 * process of the checkout ends up with the same secrets. A corrupt file is replaced.
 */
function createSecrets(file: string): DevSecrets {
  // The file is 0600; the folder keeps its default mode: the embedded PostgreSQL (run as its own
  // user when the app runs as root) keeps its data in .data/ too.
  mkdirSync(dirname(file), { recursive: true });
  const secrets: DevSecrets = { JWT_SECRET: generateSecret(), SIGNING_SECRET: generateSecret() };
  const temporary = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  try {
    linkSync(temporary, file);
    return secrets;
  } catch {
    const existing = readSecrets(file);
    if (existing) return existing;
    renameSync(temporary, file);
    return secrets;
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // already renamed into place
    }
  }
}

/**
 * JWT_SECRET and SIGNING_SECRET for a development process that sets neither (or one of them):
 * read from `file`, generated there once. Nothing in production (the variables are required
 * there) nor in tests (they bring their own); variables that are set always win.
 */
export function devSecretsFor(
  env: Pick<Env, 'NODE_ENV' | 'JWT_SECRET' | 'SIGNING_SECRET'>,
  file = DEV_SECRETS_FILE,
): Partial<DevSecrets> {
  if (env.NODE_ENV !== 'development') return {};
  if (env.JWT_SECRET && env.SIGNING_SECRET) return {};
  const secrets = readSecrets(file) ?? createSecrets(file);
  return {
    ...(env.JWT_SECRET ? {} : { JWT_SECRET: secrets.JWT_SECRET }),
    ...(env.SIGNING_SECRET ? {} : { SIGNING_SECRET: secrets.SIGNING_SECRET }),
  };
}
