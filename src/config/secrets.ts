import { randomBytes } from 'node:crypto';

export const MIN_SECRET_LENGTH = 32;

// Values seen in tutorials, .env samples and leaked configs; matched case-insensitively.
const KNOWN_WEAK = new Set([
  'secret',
  'changeme',
  'change-me',
  'jwtsecret',
  'jwt_secret',
  'mysecret',
  'supersecret',
  'password',
  'default',
  'development',
  'your-256-bit-secret',
  'your_jwt_secret',
  'your-secret-key',
  'secretkey',
  'qwerty',
  '123456',
  'keyboard cat',
  'shhhhh',
]);
const WEAK_FRAGMENTS = ['secret', 'password', 'test', 'admin', 'changeme'];

/** Returns one message per problem: too short, weak, or equal to another secret. */
export function findSecretProblems(
  secrets: ReadonlyArray<readonly [string, string | undefined]>,
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of secrets) {
    if (!value) continue;
    const lower = value.toLowerCase();
    if (value.length < MIN_SECRET_LENGTH) {
      problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters in production`);
    }
    if (KNOWN_WEAK.has(lower) || WEAK_FRAGMENTS.some((f) => lower.includes(f))) {
      problems.push(`${name} is a known weak value (contains a dictionary word such as "secret")`);
    }
    const other = seen.get(value);
    if (other) problems.push(`${name} must differ from ${other}`);
    seen.set(value, name);
  }
  return problems;
}

// Hex cannot spell any weak fragment, so a generated secret always passes the checks above.
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}
