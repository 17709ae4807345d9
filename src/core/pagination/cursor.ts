import { AppException } from '../errors/app.exception.js';
import { isCleanString } from '../http/input-guard.js';

/** A keyset position: the sort it belongs to, the sort key of the last row, and its id. */
export interface Keyset {
  sort: string;
  key: string;
  id: string;
}

const MAX_CURSOR_LENGTH = 500;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'cursor', message: 'cursor is not valid' }],
  });

/** Opaque to clients: base64url of a JSON array `[sort, key, id]`. */
export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.sort, keyset.key, keyset.id])).toString('base64url');
}

/**
 * Strict decoding: anything but a cursor this API issued (for the same sort) is VALIDATION_FAILED.
 * `validKey` checks the key's shape (e.g. a timestamp for createdAt), `validId` the id's (a
 * UUID unless the table's ids are bigints).
 */
export function decodeCursor(
  cursor: string,
  expectedSort?: string,
  validKey: (key: string) => boolean = () => true,
  validId: (id: string) => boolean = isUuid,
): Keyset {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalid();
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only the canonical encoding is accepted (no trailing bits, no alternative spellings).
  if (Buffer.from(text).toString('base64url') !== cursor) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !parsed.every((part): part is string => typeof part === 'string')
  ) {
    throw invalid();
  }
  const [sort, key, id] = parsed;
  // The JSON inside may spell NUL or a lone surrogate as \u escapes that the request's own
  // text checks never saw; PostgreSQL refuses the first and silently mangles the second.
  if (!parsed.every(isCleanString)) throw invalid();
  if (expectedSort !== undefined && sort !== expectedSort) throw invalid();
  if (!validId(id) || key.length > 320 || !validKey(key)) throw invalid();
  return { sort, key, id };
}

const TIMESTAMP_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,6})?Z$/;

/**
 * A timestamp key as PostgreSQL prints it with microseconds, e.g. 2026-01-02T03:04:05.123456Z,
 * naming a real instant: Date.parse rolls 2026-02-30 over to March, PostgreSQL refuses it, so
 * the date and time must survive a round trip unchanged.
 */
export const isTimestampKey = (key: string): boolean => {
  const match = TIMESTAMP_KEY.exec(key);
  if (!match) return false;
  const ms = Date.parse(`${match[1]}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === match[1];
};

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A positive id that fits PostgreSQL's bigint, in its canonical decimal spelling. */
export const isBigintId = (id: string): boolean =>
  /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= MAX_BIGINT;

export const isUuid = (id: string): boolean => UUID.test(id);
