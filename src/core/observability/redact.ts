export const REDACTED = '[REDACTED]';

const SENSITIVE = new Set(
  [
    'authorization',
    'cookie',
    'set-cookie',
    'password',
    'currentPassword',
    'newPassword',
    'token',
    'accessToken',
    'refreshToken',
    'secret',
    'apiKey',
    'otp',
  ].map((k) => k.toLowerCase()),
);
const MAX_DEPTH = 8;

const isPlain = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Copies plain objects and arrays, replacing the value of every sensitive key at any depth. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SENSITIVE.has(key.toLowerCase()) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}
