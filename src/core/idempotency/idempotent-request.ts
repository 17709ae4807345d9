import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { getOperationAST, parse } from 'graphql';
import { AppException } from '../errors/app.exception.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
export const GRAPHQL_ROUTE = '/graphql';

/** RFC draft-ietf-httpapi-idempotency-key-header: a string; here 1..255 printable ASCII. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** What identifies one idempotent request within its caller's scope. */
export interface IdempotentRequest {
  /** `POST /api/v1/audit-logs/exports` or `POST /graphql`. */
  route: string;
  key: string;
  /** SHA-256 (hex) of the canonical request: what must match for a replay. */
  fingerprint: string;
}

const invalidKey = (message: string): AppException =>
  new AppException('VALIDATION_FAILED', message, {
    errors: [{ field: 'Idempotency-Key', message }],
  });

/**
 * JSON with object keys sorted at every level, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are
 * the same request. Buffers (raw bodies) are written as base64; undefined members are dropped.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (Buffer.isBuffer(value)) return JSON.stringify({ $base64: value.toString('base64') });
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const members = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const fingerprintOf = (value: unknown): string =>
  createHash('sha256').update('idempotency/v1\n').update(canonicalJson(value)).digest('hex');

interface GraphqlOperation {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** True when the operation can be recognised as a mutation; anything unreadable is left to Mercurius. */
function isMutation({ query, operationName }: GraphqlOperation): boolean {
  if (typeof query !== 'string') return false;
  try {
    // Parsed once more than Mercurius does, only for requests with a key; a document that does
    // not parse is refused by Mercurius too, so nothing runs without the key's protection.
    const document = parse(query, { noLocation: true });
    const name = typeof operationName === 'string' ? operationName : undefined;
    return getOperationAST(document, name)?.operation === 'mutation';
  } catch {
    return false;
  }
}

const graphqlFingerprintInput = (operations: GraphqlOperation[]): unknown =>
  operations.map((op) => ({
    query: op.query ?? null,
    operationName: op.operationName ?? null,
    variables: op.variables ?? {},
  }));

/**
 * The idempotent request a Fastify request stands for, or undefined when the key does not apply:
 * no header, not a POST, no matched route, or a GraphQL request without a mutation. A malformed
 * key, or a key on a multipart request (its files are streamed, never buffered to fingerprint),
 * is 400 VALIDATION_FAILED on field `Idempotency-Key`.
 */
export function describeIdempotentRequest(request: FastifyRequest): IdempotentRequest | undefined {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  const route = request.routeOptions.url;
  if (header === undefined || request.method !== 'POST' || !route) return undefined;

  const isGraphql = route === GRAPHQL_ROUTE;
  const isMultipart = typeof request.isMultipart === 'function' && request.isMultipart();
  let operations: GraphqlOperation[] = [];
  if (isGraphql && !isMultipart) {
    const body = request.body as GraphqlOperation | GraphqlOperation[] | undefined;
    operations = (Array.isArray(body) ? body : [body]).filter(
      (op): op is GraphqlOperation => typeof op === 'object' && op !== null,
    );
    // A query (or a batch of them) is safe to repeat: the header is ignored.
    if (!operations.some(isMutation)) return undefined;
  }

  if (typeof header !== 'string' || !VALID_KEY.test(header)) {
    throw invalidKey('Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  if (isMultipart) {
    throw invalidKey('Idempotency-Key is not supported on multipart (upload) requests');
  }
  const fingerprint = isGraphql
    ? fingerprintOf(graphqlFingerprintInput(operations))
    : fingerprintOf({ params: request.params, query: request.query, body: request.body });
  return { route: `POST ${route}`, key: header, fingerprint };
}
