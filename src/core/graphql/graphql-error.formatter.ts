import { Logger } from '@nestjs/common';
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { AppException } from '../errors/app.exception.js';
import { ERROR_CODES, type FieldError } from '../errors/error-codes.js';
import { fromFastifyError, isDependencyUnavailable } from '../errors/normalize-error.js';
import { graphqlErrorsTotal } from '../observability/metrics.js';
import { operationOf } from './graphql-metrics.hooks.js';

const logger = new Logger('GraphQL');

// Mercurius' own failures, mapped to the codes clients see.
const MERCURIUS_CODES: Record<string, string> = {
  MER_ERR_GQL_QUERY_DEPTH: 'QUERY_TOO_COMPLEX',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
};

// graphql-js' words (sic) when `parse(source, { maxTokens })` gives up.
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more that (\d+) tokens/;

type WithOriginal = GraphQLError & {
  originalError?: Error & { code?: string; errors?: GraphQLError[]; statusCode?: number };
};

function expand(error: WithOriginal): WithOriginal[] {
  const nested = error.originalError?.errors;
  return Array.isArray(nested) ? (nested as WithOriginal[]) : [error];
}

function classify(
  error: WithOriginal,
  parentCode?: string,
): { code: string; message: string; errors?: FieldError[] } {
  const own = error.extensions?.code;
  if (typeof own === 'string') return { code: own, message: error.message };
  // Mercurius nests its own errors (e.g. the depth limit) inside a validation error.
  const innerCode = (error as { code?: unknown }).code ?? error.originalError?.code;
  for (const candidate of [innerCode, parentCode]) {
    if (typeof candidate === 'string' && Object.hasOwn(MERCURIUS_CODES, candidate)) {
      return { code: MERCURIUS_CODES[candidate], message: error.message };
    }
  }
  const tokens = TOO_MANY_TOKENS.exec(error.message);
  if (tokens) {
    return { code: 'QUERY_TOO_COMPLEX', message: `The document has more than ${tokens[1]} tokens` };
  }
  if (parentCode === 'MER_ERR_GQL_VALIDATION') {
    return { code: 'GRAPHQL_VALIDATION_FAILED', message: error.message };
  }
  // Thrown before execution (e.g. a malformed multipart upload in a request hook).
  // A field resolver's errors skip the exception filter: keep the fields it names here.
  if (error.originalError instanceof AppException) {
    const { errors } = error.originalError.details;
    return {
      code: ERROR_CODES[error.originalError.code].graphqlCode,
      message: error.message,
      ...(errors ? { errors } : {}),
    };
  }
  // Raised while reading the request (body too large, malformed multipart): its 4xx code.
  const fastify = fromFastifyError(error.originalError);
  if (fastify) return { code: ERROR_CODES[fastify.code].graphqlCode, message: fastify.detail };
  if (!error.originalError) {
    const parse = error.message.startsWith('Syntax Error');
    return {
      code: parse ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED',
      message: error.message,
    };
  }
  if (isDependencyUnavailable(error.originalError)) {
    return { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable' };
  }
  return { code: 'INTERNAL', message: 'An unexpected error occurred' };
}

/** Every GraphQL error leaves with extensions.code and extensions.requestId, and nothing internal. */
export function formatGraphqlErrors(
  execution: ExecutionResult & { errors: readonly GraphQLError[]; statusCode?: number },
  context: MercuriusContext,
): { statusCode: number; response: ExecutionResult } {
  const request = context.reply?.request;
  const requestId = request?.id;
  const operation = operationOf(context);
  const errors: GraphQLFormattedError[] = [];
  let statusCode = execution.data ? 200 : (execution.statusCode ?? 200);

  for (const outer of execution.errors as WithOriginal[]) {
    const parentCode = outer.originalError?.code;
    for (const error of expand(outer)) {
      const { code, message, errors: fields } = classify(error, parentCode);
      if (code === 'INTERNAL' || code === 'SERVICE_UNAVAILABLE') {
        logger.error({ err: error.originalError ?? error, request_id: requestId }, 'GraphQL error');
      }
      // A dependency is down: tell clients when to retry, as REST does; 503 when nothing answered.
      if (code === 'SERVICE_UNAVAILABLE') {
        context.reply?.header('retry-after', '1');
        if (!execution.data) statusCode = 503;
      }
      graphqlErrorsTotal.inc({ operation, code });
      errors.push({
        message,
        ...(error.locations ? { locations: error.locations } : {}),
        ...(error.path ? { path: error.path } : {}),
        extensions: { ...error.extensions, ...(fields ? { errors: fields } : {}), code, requestId },
      });
    }
    if (!execution.data && typeof outer.originalError?.statusCode === 'number') {
      statusCode = outer.originalError.statusCode;
    }
    if (!execution.data && outer.originalError instanceof AppException) {
      statusCode = outer.originalError.status;
      // e.g. Retry-After on 429, Allow on 405, as REST sends them.
      if (outer.originalError.details.headers) {
        context.reply?.headers(outer.originalError.details.headers);
      }
    }
    const fastify = execution.data ? undefined : fromFastifyError(outer.originalError);
    if (fastify) statusCode = fastify.status;
  }
  const response = { data: execution.data ?? null, errors };
  return { statusCode, response: response as unknown as ExecutionResult };
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * The formatter, and with `hideSuggestions` (introspection off) no "Did you mean ..." in any
 * message: validation leaves them out itself, but graphql-js still suggests input field and enum
 * names when it coerces variables.
 */
export function graphqlErrorFormatter(options: { hideSuggestions: boolean }) {
  if (!options.hideSuggestions) return formatGraphqlErrors;
  return (...args: Parameters<typeof formatGraphqlErrors>) => {
    const formatted = formatGraphqlErrors(...args);
    // The formatter built these plain objects: they are its to rewrite.
    for (const error of (formatted.response.errors ?? []) as unknown as { message: string }[]) {
      error.message = error.message.replace(SUGGESTION, '');
    }
    return formatted;
  };
}
