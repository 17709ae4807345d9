import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';

/**
 * How deep a request's JSON (body, GraphQL variables) may nest. Real inputs stay under ten
 * levels; thousands overflow class-transformer's recursion and cost CPU for nothing.
 */
export const MAX_INPUT_DEPTH = 32;

export interface InputProblem {
  field: string;
  message: string;
}

/** PostgreSQL refuses NUL in text, and a lone UTF-16 surrogate has no UTF-8 encoding. */
export function isCleanString(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

const isPlainContainer = (value: unknown): value is Record<string, unknown> | unknown[] => {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Route params and query strings arrive as null-prototype objects, or as instances of a class
  // whose prototype has none (find-my-way's NullObject); anything else (streams, promises of
  // uploaded files, Buffers) is not client JSON.
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
};

/**
 * The first problem in a client-supplied value, walking it without recursion: a string or key
 * with NUL or a lone surrogate, a `__proto__` key, or nesting deeper than `maxDepth`.
 */
export function findInputProblem(
  root: unknown,
  maxDepth = MAX_INPUT_DEPTH,
  rootName = 'body',
): InputProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    const field = path || rootName;
    if (typeof value === 'string') {
      if (!isCleanString(value)) {
        return { field, message: `${field} must be well-formed text without NUL characters` };
      }
      continue;
    }
    if (!isPlainContainer(value)) continue;
    if (depth >= maxDepth) {
      return { field, message: `${field} is nested deeper than ${maxDepth} levels` };
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || !isCleanString(key)) {
        return { field, message: 'a field name is not allowed' };
      }
      const child = (value as Record<string, unknown>)[key];
      stack.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return undefined;
}

const invalid = (problem: InputProblem): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', { errors: [problem] });

/** Throws VALIDATION_FAILED for the first problem in the request's params, query or body. */
export function assertCleanRequest(request: FastifyRequest): void {
  for (const [part, value] of [
    ['params', request.params],
    ['query', request.query],
    ['body', request.body],
  ] as const) {
    const problem = findInputProblem(value, MAX_INPUT_DEPTH, part);
    if (problem) throw invalid(problem);
  }
}

/**
 * The one place where every route's input is checked before validation or a resolver sees it:
 * REST answers 400 problem+json, GraphQL 400 BAD_USER_INPUT (Mercurius' error handler).
 * Registered after the multipart hook so that GraphQL uploads are checked once parsed.
 */
export function registerInputGuard(
  app: FastifyInstance,
  checkGraphqlRequest: (request: FastifyRequest) => void,
): void {
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      assertCleanRequest(request);
      if (request.routeOptions.url === '/graphql') checkGraphqlRequest(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
