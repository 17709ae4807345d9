import { createSecretKey, type KeyObject } from 'node:crypto';
import { commaList } from './comma-list.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Standard Webhooks: symmetric secrets are random, at least 24 bytes and at most 64. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
/** One current secret, plus the previous one while a rotation is under way. */
export const WEBHOOK_MAX_SECRETS = 2;

const SOURCE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SECRETS_VARIABLE = /^WEBHOOK_(.+)_SECRETS$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface WebhookSource {
  id: string;
  /** The variable its secrets came from, e.g. WEBHOOK_BILLING_SECRETS. */
  variable: string;
  /** HMAC-SHA256 keys; a signature made with any of them is accepted. */
  keys: KeyObject[];
}

/** `crm-eu` → `WEBHOOK_CRM_EU_SECRETS`. */
export function secretsVariableOf(source: string): string {
  return `WEBHOOK_${source.toUpperCase().replace(/-/g, '_')}_SECRETS`;
}

/** The key of a `whsec_<base64>` secret, or undefined when it is not one of 24–64 bytes. */
export function decodeWebhookSecret(value: string): KeyObject | undefined {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const encoded = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  // Node's decoder skips what it cannot read; a round trip proves every character counted.
  const canonical = (s: string): string => s.replace(/=+$/, '');
  if (canonical(bytes.toString('base64')) !== canonical(encoded)) return undefined;
  if (bytes.length < WEBHOOK_SECRET_MIN_BYTES || bytes.length > WEBHOOK_SECRET_MAX_BYTES) {
    return undefined;
  }
  return createSecretKey(bytes);
}

/**
 * Parses WEBHOOK_SOURCES and each source's WEBHOOK_<ID>_SECRETS. Returns the sources, or one
 * problem per bad variable, each naming it (never its value), so that the start is refused.
 */
export function parseWebhookSources(
  list: string,
  raw: Record<string, string | undefined>,
): { sources: Map<string, WebhookSource>; problems: string[] } {
  const sources = new Map<string, WebhookSource>();
  const problems: string[] = [];
  const byVariable = new Map<string, string>();
  // Variables of listed entries, valid or not: a bad entry is reported once, not twice.
  const claimed = new Set<string>();
  const ids = commaList(list);
  for (const id of ids) {
    claimed.add(secretsVariableOf(id));
    if (!SOURCE_ID.test(id)) {
      problems.push(
        `WEBHOOK_SOURCES entry "${id.slice(0, 64)}" must be 1-63 lowercase letters, digits, "-" or "_"`,
      );
      continue;
    }
    const variable = secretsVariableOf(id);
    const other = byVariable.get(variable);
    if (other !== undefined) {
      problems.push(
        other === id
          ? `WEBHOOK_SOURCES lists "${id}" twice`
          : `WEBHOOK_SOURCES entries "${other}" and "${id}" both read ${variable}`,
      );
      continue;
    }
    byVariable.set(variable, id);
    const value = raw[variable]?.trim();
    if (!value) {
      problems.push(`${variable} is required for the webhook source "${id}"`);
      continue;
    }
    // Empty entries are kept: `a,,b` or a trailing comma is refused, not silently shortened.
    const secrets = commaList(value, { keepEmpty: true });
    if (secrets.length > WEBHOOK_MAX_SECRETS || secrets.some((s) => s === '')) {
      problems.push(`${variable} must hold one or two comma-separated whsec_ secrets`);
      continue;
    }
    const keys: KeyObject[] = [];
    secrets.forEach((secret, index) => {
      const key = decodeWebhookSecret(secret);
      if (key) keys.push(key);
      else {
        problems.push(
          `${variable} secret ${index + 1} must be whsec_ followed by the base64 of ` +
            `${WEBHOOK_SECRET_MIN_BYTES}-${WEBHOOK_SECRET_MAX_BYTES} random bytes`,
        );
      }
    });
    if (keys.length === secrets.length) sources.set(id, { id, variable, keys });
  }
  for (const [name, value] of Object.entries(raw)) {
    if (SECRETS_VARIABLE.test(name) && value && !claimed.has(name)) {
      problems.push(`${name} is set but WEBHOOK_SOURCES lists no source that uses it`);
    }
  }
  return { sources, problems };
}
