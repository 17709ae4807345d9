import { HttpException } from '@nestjs/common';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { AppException } from './app.exception.js';
import { ERROR_CODES, type ErrorCode, type FieldError } from './error-codes.js';

export interface NormalizedError {
  code: ErrorCode;
  status: number;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** True when the error was not expected: log it with its stack, hide its message. */
  unexpected: boolean;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
};

// Fastify's own errors (body parsing, limits) are expected and their messages are safe.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  // @fastify/multipart
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'VALIDATION_FAILED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_MP_PREMATURE_CLOSE: 'VALIDATION_FAILED',
};

const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than allowed',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted here',
  FST_ERR_CTP_INVALID_CONTENT_TYPE: 'This content type is not accepted here',
  FST_PARTS_LIMIT: 'The multipart body has more parts than allowed',
  FST_FILES_LIMIT: 'The multipart body has more files than allowed',
  FST_FIELDS_LIMIT: 'The multipart body has more fields than allowed',
  FST_REQ_FILE_TOO_LARGE: 'The file is larger than allowed',
  FST_PROTO_VIOLATION: 'A multipart field name is not allowed',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'Send the body as multipart/form-data',
  FST_MP_PREMATURE_CLOSE: 'The multipart body ended early',
};

/**
 * Errors that mean a dependency (PostgreSQL, Redis) cannot take the request now: SQLSTATEs for
 * too many connections, starting up or shutting down, a lost connection
 *; socket errors; pg-pool's and ioredis' own messages for a pool that cannot connect
 * or a client that is offline. The request may succeed when retried, so it is a 503, not a 500.
 */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '53400', '57P01', '57P02', '57P03']);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Stream isn't writeable|Connection is closed|Reached the max retries per request limit)/;
// ioredis giving up on a command; cockatiel refusing a call (breaker open, bulkhead full,
// timed out): the dependency behind it cannot take work now.
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError']);
const UNAVAILABLE_CLASSES = [BrokenCircuitError, BulkheadRejectedError, TaskCancelledError];
const RETRY_AFTER_SECONDS = '1';

/** Whether the error (or what it wraps) says a dependency is unreachable or overloaded. */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, message, name, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (driverError !== undefined && driverError !== error) {
    return isDependencyUnavailable(driverError, depth + 1);
  }
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // Node reports a refused connection to every address of a host as an AggregateError.
  if (name === 'AggregateError' && Array.isArray(errors)) {
    return errors.some((e) => isDependencyUnavailable(e, depth + 1));
  }
  if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
  if (UNAVAILABLE_CLASSES.some((type) => error instanceof type)) return true;
  return cause !== undefined && cause !== error && isDependencyUnavailable(cause, depth + 1);
}

function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
}

function fromAppException(e: AppException): NormalizedError {
  return {
    code: e.code,
    status: e.status,
    detail: e.message,
    errors: e.details.errors,
    headers: e.details.headers,
    unexpected: false,
  };
}

function fromHttpException(e: HttpException): NormalizedError {
  const status = e.getStatus();
  const code = codeForStatus(status);
  const body = e.getResponse();
  const message =
    typeof body === 'object' &&
    body !== null &&
    'message' in body &&
    typeof body.message === 'string'
      ? body.message
      : ERROR_CODES[code].title;
  return {
    code,
    status,
    detail: status >= 500 ? ERROR_CODES[code].title : message,
    unexpected: status >= 500,
  };
}

/** An error Fastify or one of its plugins raised while reading the request, as its 4xx. */
export function fromFastifyError(error: unknown): NormalizedError | undefined {
  const fastifyCode = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof fastifyCode !== 'string' || !Object.hasOwn(FASTIFY_CODES, fastifyCode))
    return undefined;
  const code = FASTIFY_CODES[fastifyCode];
  const detail = FASTIFY_DETAILS[fastifyCode] ?? ERROR_CODES[code].title;
  return { code, status: ERROR_CODES[code].status, detail, unexpected: false };
}

export function normalizeError(exception: unknown): NormalizedError {
  if (exception instanceof AppException) return fromAppException(exception);
  // Nest wraps Fastify's own errors (body parsing, limits) in an HttpException with the cause.
  const fastify =
    fromFastifyError(exception) ??
    (exception instanceof HttpException ? fromFastifyError(exception.cause) : undefined);
  if (fastify) return fastify;
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isDependencyUnavailable(exception)) {
    return {
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'The service is temporarily unable to handle the request; retry shortly',
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
      // Still logged with its stack: an operator needs to see the dependency refusing work.
      unexpected: true,
    };
  }
  return {
    code: 'INTERNAL',
    status: 500,
    detail: 'An unexpected error occurred',
    unexpected: true,
  };
}

export function toProblem(error: NormalizedError, requestId: string) {
  return {
    type: 'about:blank',
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
