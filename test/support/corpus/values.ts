import type { Rng } from './prng.js';

/** Ids the corpus may aim at: never the admin's own, so destructive admin calls cannot lock it out. */
export interface Targets {
  /** The plain user's id (a real row). */
  userId: string;
  /** A file the plain user owns, when one could be uploaded. */
  fileId?: string;
}

export interface GenContext {
  rng: Rng;
  targets: Targets;
  /** Sort tags a cursor may name (the API's own and near misses). */
  sortTags: readonly string[];
}

const huge = (n: number, unit = 'A') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Strings that once broke something somewhere: encodings, injections, sizes. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  "%_\\'",
  '%',
  '_%_',
  '\\',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  "admin'--",
  '$1',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '\r\nX-Injected: 1',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356',
  '\u200b\u200c\u200d\ufeff',
  '🦄'.repeat(40),
  'Ω≈ç√∫˜µ≤≥÷',
  '\u{10ffff}',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '0x1f',
  'null',
  'true',
  '[]',
  '{}',
  '   padded   ',
  huge(256),
  huge(5_000, 'é'),
  huge(100_000, 'x'),
];

/** Numbers at and past every edge: negative, fractional, out of 32-bit and safe-integer range. */
export const HOSTILE_NUMBERS: readonly number[] = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  -2.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  999_999_999_999,
];

/** Values of every JSON type, for "wrong type" mutations. */
export const WRONG_TYPES: readonly unknown[] = [
  123,
  -7.5,
  true,
  false,
  null,
  'text',
  [],
  ['a', 1],
  {},
  { nested: { x: 1 } },
];

export function deepObject(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

export function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** An object with an own, enumerable `__proto__` key (JSON.stringify writes it). */
export function withProtoKey(base: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  Object.defineProperty(out, '__proto__', {
    value: { polluted: true },
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return out;
}

export function hostileString(rng: Rng): string {
  return rng.pick(HOSTILE_STRINGS);
}

export function hostileNumber(rng: Rng): number {
  return rng.pick(HOSTILE_NUMBERS);
}

/** Anything at all: a hostile string or number, a wrong type, or deep nesting. */
export function hostileAny(rng: Rng): unknown {
  switch (rng.int(0, 4)) {
    case 0:
    case 1:
      return hostileString(rng);
    case 2:
      return hostileNumber(rng);
    case 3:
      return rng.pick(WRONG_TYPES);
    default:
      return rng.chance(0.5) ? deepObject(rng.pick([20, 40])) : deepArray(rng.pick([20, 40]));
  }
}

export function isoDate(rng: Rng): string {
  const ms = Date.UTC(2020, 0, 1) + rng.int(0, 10 * 365 * 86_400) * 1000;
  return new Date(ms).toISOString();
}

export function timestampKey(rng: Rng): string {
  return `${isoDate(rng).slice(0, 19)}.${String(rng.int(0, 999_999)).padStart(6, '0')}Z`;
}

export function pickTargetId(ctx: GenContext): string {
  const ids = [ctx.targets.userId, ctx.rng.uuid(), ctx.rng.uuid()];
  if (ctx.targets.fileId) ids.push(ctx.targets.fileId);
  return ctx.rng.pick(ids);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Cursors: garbage, near misses of the real `[sort, key, id]` shape, and hostile keys/ids. */
export function hostileCursor(ctx: GenContext): string {
  const { rng } = ctx;
  const tag = rng.pick(ctx.sortTags);
  const keys = [timestampKey(rng), '2026-02-30T00:00:00.000000Z', hostileString(rng), 'a@b.c'];
  const ids = [rng.uuid(), '1', '9223372036854775807', '9223372036854775808', hostileString(rng)];
  switch (rng.int(0, 11)) {
    case 0:
      return huge(rng.pick([501, 10_000, 200_000]), 'QUFB');
    case 1:
      return Buffer.from(Array.from({ length: rng.int(1, 300) }, () => rng.int(0, 255))).toString(
        'base64url',
      );
    case 2:
      return rng.pick(['!!!', '====', 'a b', 'YQ==', 'YWJj+/', '%00', '\u0000', '\ud800']);
    case 3:
      return b64(rng.pick([{}, 'x', 1, null, [], [tag], [tag, 'k'], [tag, 'k', 'i', 'x']]));
    case 4:
      return b64([tag, 1, 2]);
    case 5:
      return b64([tag, rng.pick(keys), rng.pick(ids)]);
    case 6:
      // A well-formed cursor whose key is hostile text: it reaches the keyset query.
      return b64([tag, hostileString(rng), rng.uuid()]);
    case 7:
      return b64([tag, timestampKey(rng), hostileString(rng)]);
    case 8:
      return b64([tag, timestampKey(rng), rng.pick(ids)]);
    case 9:
      return b64([tag, rng.pick(['\u0000', 'a\u0000', '\ud800', "%_\\'"]), rng.pick(ids)]);
    case 10:
      return Buffer.from(JSON.stringify([tag, timestampKey(rng), rng.uuid()])).toString('base64');
    default:
      return b64([tag, deepArray(10), rng.uuid()]);
  }
}

/** Percent-encodes any string, lone surrogates included (as their 3-byte WTF-8 form). */
export function encodeAny(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const cu = value.charCodeAt(i);
    const isHigh = cu >= 0xd800 && cu <= 0xdbff;
    const next = value.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (cu >= 0xd800 && cu <= 0xdfff) {
      const bytes = [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 0x3f), 0x80 | (cu & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[i]);
    }
  }
  return out;
}

/** Raw query/path fragments that no encoder would produce. */
export const RAW_GARBAGE: readonly string[] = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF%FE',
  '%00',
  '%25%00',
  '..%2F..%2F',
  '%2e%2e',
];

/** A short description of a value for failure reports (long strings shown by length). */
export function summarize(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'string' && v.length > 40 ? `<${v.length} chars: ${v.slice(0, 12)}…>` : v,
    );
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max)}…(${text.length})` : text;
}

/** The contract walk: where a UUID belongs, none of these is one (PostgreSQL reads the last). */
export const MALFORMED_IDS: readonly string[] = [
  'not-a-uuid',
  '12345',
  '6f1c2a9e-8d2b-4c3a-9e1f-2a3b4c5d6e7f0',
  '6f1c2a9e8d2b4c3a9e1f2a3b4c5d6e7f',
];

/** Cursors no list ever issued: not base64url, not an array, a sort no list uses, too long. */
export const MALFORMED_CURSORS: readonly string[] = [
  '!!!',
  b64('x'),
  b64(['no-such-sort', '2026-01-02T03:04:05.123456Z', '6f1c2a9e-8d2b-4c3a-9e1f-2a3b4c5d6e7f']),
  'A'.repeat(501),
];

/** A string no bound lets through: one past the declared maximum, or past any the API uses. */
export const overLong = (maxLength?: number): string => 'x'.repeat((maxLength ?? 10_000) + 1);
