import type { FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { findInputProblem } from '../http/input-guard.js';

const badRequest = (message: string, field?: string): AppException =>
  new AppException('VALIDATION_FAILED', message, field ? { errors: [{ field, message }] } : {});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One GraphQL-over-HTTP operation: `query` a string, the optional members of their types. */
function checkOperation(operation: unknown, at: string): void {
  if (!isObject(operation)) throw badRequest(`${at} must be an object with a query`);
  const { query, variables, operationName, extensions } = operation;
  // A missing query is a persisted-query lookup only when the extension asks for one.
  const persisted = query === undefined && isObject(extensions) && 'persistedQuery' in extensions;
  if (typeof query !== 'string' && !persisted) throw badRequest('query must be a string', 'query');
  if (variables != null && !isObject(variables)) {
    throw badRequest('variables must be an object', 'variables');
  }
  if (operationName != null && typeof operationName !== 'string') {
    throw badRequest('operationName must be a string', 'operationName');
  }
  if (extensions != null && !isObject(extensions)) {
    throw badRequest('extensions must be an object', 'extensions');
  }
}

/** GET carries variables and extensions as JSON text; they obey the same rules as a body's. */
function parsedQueryMember(query: Record<string, unknown>, name: string): unknown {
  const raw = query[name];
  if (raw === undefined || typeof raw !== 'string') return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`${name} must be JSON`, name);
  }
  const problem = findInputProblem(parsed, undefined, name);
  if (problem) throw badRequest(problem.message, problem.field);
  return parsed;
}

/**
 * The shape of a GraphQL HTTP request, checked before Mercurius reads it: a body that is one
 * operation or a non-empty batch of at most `maxBatch`, each with a string query; GET with the
 * same members. Anything else is 400 BAD_USER_INPUT, never a 500 or an empty 200.
 */
export function graphqlRequestChecker(maxBatch: number): (request: FastifyRequest) => void {
  return (request) => {
    // A graphql-ws upgrade (Node routes only real upgrades here): operations arrive as messages.
    if (request.headers.upgrade?.toLowerCase() === 'websocket') return;
    if (request.method === 'GET') {
      const query = (request.query ?? {}) as Record<string, unknown>;
      checkOperation(
        {
          query: query.query,
          operationName: query.operationName,
          variables: parsedQueryMember(query, 'variables'),
          extensions: parsedQueryMember(query, 'extensions'),
        },
        'the request',
      );
      return;
    }
    if (request.method !== 'POST') return;
    const body = request.body;
    if (!Array.isArray(body)) return checkOperation(body, 'the request body');
    if (body.length === 0) throw badRequest('A batch must hold at least one operation');
    if (body.length > maxBatch) {
      throw new AppException(
        'QUERY_TOO_COMPLEX',
        `A batch may hold at most ${maxBatch} operations`,
      );
    }
    body.forEach((operation, i) => checkOperation(operation, `operation ${i}`));
  };
}
