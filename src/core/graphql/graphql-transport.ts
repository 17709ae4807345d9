import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getOperationAST, parse } from 'graphql';
import { AppException } from '../errors/app.exception.js';
import type { GraphqlRateLimiter } from '../rate-limit/graphql-rate-limiter.js';

export interface GraphqlTransportOptions {
  maxDocumentBytes: number;
  maxTokens: number;
  maxBatch: number;
  /** Uploads (multipart) must carry one of PREFLIGHT_HEADERS. */
  uploadRequirePreflight: boolean;
}

const GRAPHQL_PATH = '/graphql';
/** What a cross-site HTML form can send without a CORS preflight (besides multipart). */
const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'text/plain']);
const GRAPHQL_MEDIA_TYPES = new Set(['application/json', 'application/graphql']);
const MULTIPART = 'multipart/form-data';
/** Headers a form cannot set: their presence proves the browser made a preflight. */
const PREFLIGHT_HEADERS = [
  'graphql-preflight',
  'apollo-require-preflight',
  'x-apollo-operation-name',
];

type Done = (error?: Error) => void;

function mediaTypeOf(request: FastifyRequest): string | undefined {
  const header = request.headers['content-type'];
  if (!header) return undefined;
  const end = header.indexOf(';');
  return (end === -1 ? header : header.slice(0, end)).trim().toLowerCase();
}

const unsupported = (message: string): AppException =>
  new AppException('UNSUPPORTED_MEDIA_TYPE', message);

/**
 * REST: a urlencoded or text/plain body is 415, unless the route reads its body raw (Nest's
 * `rawBody`, e.g. signed webhooks: any content type).
 */
function refuseFormBody(request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if ((request as { rawBody?: unknown }).rawBody !== undefined) return;
  const type = mediaTypeOf(request);
  if (type && FORM_MEDIA_TYPES.has(type)) {
    throw unsupported('Send the body as application/json');
  }
}

/** GraphQL: JSON (or application/graphql); multipart only as an upload with a preflight header. */
function checkGraphqlMediaType(request: FastifyRequest, options: GraphqlTransportOptions): void {
  if (request.method !== 'POST') return;
  const type = mediaTypeOf(request);
  if (type === undefined || GRAPHQL_MEDIA_TYPES.has(type)) return;
  if (type !== MULTIPART) throw unsupported('Send GraphQL requests as application/json');
  if (options.uploadRequirePreflight && !PREFLIGHT_HEADERS.some((h) => h in request.headers)) {
    throw unsupported(
      'A multipart GraphQL request must carry a GraphQL-Preflight (or Apollo-Require-Preflight) header',
    );
  }
}

interface OperationLike {
  query?: unknown;
  operationName?: unknown;
}

function operationsOf(request: FastifyRequest): OperationLike[] {
  const source = request.method === 'GET' ? request.query : request.body;
  const list = Array.isArray(source) ? (source as unknown[]) : [source];
  return list.filter((op): op is OperationLike => typeof op === 'object' && op !== null);
}

function checkDocumentSize(query: unknown, maxBytes: number): void {
  // UTF-8 needs at most 3 bytes per UTF-16 unit: most documents need no count.
  if (typeof query !== 'string' || query.length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > maxBytes) {
    throw new AppException(
      'QUERY_TOO_COMPLEX',
      `The document is ${bytes} bytes long; at most ${maxBytes} bytes are accepted`,
    );
  }
}

/** GET is for queries only (it must stay safe): a mutation or subscription is 405, Allow: POST. */
function checkGetOperation({ query, operationName }: OperationLike, maxTokens: number): void {
  if (typeof query !== 'string') return;
  let document;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return; // Mercurius answers the syntax error.
  }
  const operation = getOperationAST(
    document,
    typeof operationName === 'string' ? operationName : undefined,
  );
  if (!operation) {
    const message = 'operationName must name one operation of the document';
    throw new AppException('VALIDATION_FAILED', message, {
      errors: [{ field: 'operationName', message }],
    });
  }
  if (operation.operation !== 'query') {
    throw new AppException(
      'METHOD_NOT_ALLOWED',
      `A ${operation.operation} cannot be sent with GET; use POST`,
      { headers: { Allow: 'POST' } },
    );
  }
}

/** Runs `step`, then `after`, passing a sync throw or a rejection to `done`. */
function inSequence(step: () => void | Promise<void>, after: () => void, done: Done): void {
  try {
    const pending = step();
    if (!pending) {
      after();
      return done();
    }
    pending.then(
      () => {
        try {
          after();
          done();
        } catch (error) {
          done(error as Error);
        }
      },
      (error: Error) => done(error),
    );
  } catch (error) {
    done(error as Error);
  }
}

/**
 * The GraphQL HTTP transport's own checks, before Mercurius reads a request: every request counts
 * against the caller's `default` rate limit (each operation of a batch once), bodies a
 * cross-site form could send are 415, documents over GRAPHQL_MAX_DOCUMENT_BYTES are 400, and GET
 * carries queries only. Also refuses urlencoded and text/plain bodies on REST routes (415).
 * `limiter` is read once the Nest application exists.
 */
export function registerGraphqlTransport(
  app: FastifyInstance,
  options: GraphqlTransportOptions,
  limiter: () => GraphqlRateLimiter,
): void {
  let resolved: GraphqlRateLimiter | undefined;
  const rateLimiter = (): GraphqlRateLimiter => (resolved ??= limiter());

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: Done) => {
    if (request.routeOptions.url !== GRAPHQL_PATH) return done();
    inSequence(
      () => rateLimiter().count(request, reply),
      () => checkGraphqlMediaType(request, options),
      done,
    );
  });

  // After the multipart hook (the operations of an upload are parsed), before the input guard.
  app.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: Done) => {
    if (request.routeOptions.url !== GRAPHQL_PATH) {
      inSequence(() => refuseFormBody(request), noop, done);
      return;
    }
    const operations = operationsOf(request);
    const extra = Math.min(operations.length, options.maxBatch) - 1;
    inSequence(
      () => (extra > 0 ? rateLimiter().count(request, reply, extra) : undefined),
      () => {
        for (const operation of operations) {
          checkDocumentSize(operation.query, options.maxDocumentBytes);
        }
        if (request.method === 'GET' && operations[0]) {
          checkGetOperation(operations[0], options.maxTokens);
        }
      },
      done,
    );
  });
}

const noop = (): void => undefined;
