import type { INestApplication, Type } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SESSION_ONLY_KEY } from '../auth/auth.guard.js';
import { IS_PUBLIC_KEY } from '../auth/public.decorator.js';
import { PERMISSIONS_KEY } from '../auth/permissions.decorator.js';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import { API_ERRORS_KEY, API_OPTIONAL_BEARER_KEY } from './openapi-decorators.js';

/** What the document needs to know about one handler, read from its decorators. */
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ResponseObject = Exclude<OperationObject['responses'][string], { $ref: string } | undefined>;
type MediaTypeObject = NonNullable<ResponseObject['content']>[string];
type SchemaObject = Exclude<MediaTypeObject['schema'], { $ref: string } | undefined>;
type ParameterObject = NonNullable<OperationObject['parameters']>[number];

export interface RouteFacts {
  isPublic: boolean;
  /** @ApiOptionalBearer: the bearer token, or another proof the handler checks. */
  optionalBearer: boolean;
  permissions: string[];
  /** @SessionOnly: a signed-in session only, no API key. */
  sessionOnly: boolean;
  rateLimited: boolean;
  httpCode?: number;
  /** @ApiProduces media types, for responses that stream bytes or events. */
  produces: string[];
  errors: ErrorCode[];
}

const PROBLEM = 'Problem';
const PROBLEM_TYPE = 'application/problem+json';
const BINARY: SchemaObject = { type: 'string', format: 'binary' };
const THROTTLER_SKIP_DEFAULT = 'THROTTLER:SKIPdefault';
const API_PRODUCES = 'swagger/apiProduces';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is stable, `detail` is for people.',
  required: ['type', 'title', 'status', 'code', 'requestId'],
  properties: {
    type: { type: 'string', example: 'about:blank' },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'email must be an email' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    requestId: { type: 'string', example: '01J9Z8Q4V6S5K2M7X3C0B1N8R4' },
    errors: {
      type: 'array',
      description: 'One entry per invalid field (VALIDATION_FAILED)',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const EXAMPLE_DETAIL: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'email must be an email',
  UNAUTHENTICATED: 'A valid access token is required',
  FORBIDDEN: 'Missing permission',
  NOT_FOUND: 'Not found',
  RATE_LIMIT_EXCEEDED: 'Too many requests, retry after the Retry-After header',
};

function problemExample(code: ErrorCode): Record<string, unknown> {
  const { status, title } = ERROR_CODES[code];
  return {
    type: 'about:blank',
    title,
    status,
    detail: EXAMPLE_DETAIL[code] ?? title,
    code,
    requestId: '01J9Z8Q4V6S5K2M7X3C0B1N8R4',
    ...(code === 'VALIDATION_FAILED'
      ? { errors: [{ field: 'email', message: 'email must be an email' }] }
      : {}),
  };
}

/** Every controller handler by operation id (`UsersController_me`), with its decorators read. */
function routeFacts(nest: INestApplication): Map<string, RouteFacts> {
  const reflector = new Reflector();
  const facts = new Map<string, RouteFacts>();
  for (const module of nest.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller?.prototype) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const targets = [handler, controller];
        facts.set(`${controller.name}_${name}`, {
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) ?? false,
          optionalBearer:
            reflector.getAllAndOverride<boolean>(API_OPTIONAL_BEARER_KEY, targets) ?? false,
          permissions: reflector.getAllAndOverride<string[]>(PERMISSIONS_KEY, targets) ?? [],
          sessionOnly: reflector.getAllAndOverride<boolean>(SESSION_ONLY_KEY, targets) ?? false,
          rateLimited: !reflector.getAllAndOverride<boolean>(THROTTLER_SKIP_DEFAULT, targets),
          httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined,
          produces: reflector.getAllAndOverride<string[]>(API_PRODUCES, targets) ?? [],
          errors: reflector.getAllAndMerge<ErrorCode[]>(API_ERRORS_KEY, targets) ?? [],
        });
      }
    }
  }
  return facts;
}

const isSuccess = (status: string): boolean => /^2\d\d$/.test(status);
const hasSchema = (response: ResponseObject): boolean =>
  Object.values(response.content ?? {}).some(
    (media: MediaTypeObject) => media.schema !== undefined,
  );

function schemaFor(type: string): SchemaObject {
  if (type === 'text/event-stream') {
    return { type: 'string', description: 'Server-sent events (`id:`, `event:`, `data:` lines)' };
  }
  return type.includes('json') ? { type: 'object' } : BINARY;
}

/** The success response: a schema for every media type it names, or an explicit no-content. */
function completeSuccess(operation: OperationObject, facts: RouteFacts | undefined): void {
  const responses = operation.responses as Record<string, ResponseObject>;
  for (const [status, response] of Object.entries(responses)) {
    if (!isSuccess(status) || !response) continue;
    if (status === '204') {
      response.description ||= 'No content';
      delete response.content;
      continue;
    }
    response.description ||= 'OK';
    if (!response.content && facts?.produces.length) {
      response.content = Object.fromEntries(facts.produces.map((type) => [type, {}]));
    }
    for (const [type, media] of Object.entries<MediaTypeObject>(response.content ?? {})) {
      media.schema ??= schemaFor(type);
    }
  }
  if (facts?.httpCode === 204 && !responses['204']) {
    for (const status of Object.keys(responses)) {
      if (isSuccess(status) && !hasSchema(responses[status]!)) delete responses[status];
    }
    responses['204'] = { description: 'No content' };
  }
}

/** The error codes an operation can answer: derived from its metadata and @ApiErrors. */
function errorCodes(operation: OperationObject, path: string, facts: RouteFacts): ErrorCode[] {
  const codes = new Set<ErrorCode>([...facts.errors, 'INTERNAL']);
  const hasInput =
    operation.requestBody !== undefined ||
    (operation.parameters ?? []).some((p: ParameterObject) => 'in' in p && p.in !== 'header');
  if (hasInput) codes.add('VALIDATION_FAILED');
  if (!facts.isPublic) codes.add('UNAUTHENTICATED');
  if (facts.permissions.length > 0) codes.add('FORBIDDEN');
  if (path.includes('{')) codes.add('NOT_FOUND');
  if (facts.rateLimited) codes.add('RATE_LIMIT_EXCEEDED');
  return [...codes];
}

function addErrors(operation: OperationObject, codes: ErrorCode[]): void {
  const responses = operation.responses as Record<string, ResponseObject>;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const existing = responses[String(status)];
    const description =
      existing?.description || statusCodes.map((c) => ERROR_CODES[c].title).join(' / ');
    responses[String(status)] = {
      ...existing,
      description,
      ...(status === 429
        ? {
            headers: {
              'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
            },
          }
        : {}),
      content: {
        [PROBLEM_TYPE]: {
          schema: { $ref: `#/components/schemas/${PROBLEM}` },
          examples: Object.fromEntries(
            statusCodes.map((c) => [
              c,
              { summary: ERROR_CODES[c].title, value: problemExample(c) },
            ]),
          ),
        },
      },
    };
  }
}

/**
 * Fills in what the decorators leave out, from each route's own metadata: success responses
 * (no-content for 204, a binary schema for file and stream types), problem+json error responses
 * with examples, and the bearer requirement on every route that is not @Public. Controllers the
 * document cannot map (none today) are left as they are.
 */
export function completeOpenApiDocument(
  document: OpenAPIObject,
  facts: ReadonlyMap<string, RouteFacts>,
): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas[PROBLEM] = PROBLEM_SCHEMA;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const route = operation.operationId ? facts.get(operation.operationId) : undefined;
      completeSuccess(operation, route);
      if (!route) continue;
      addErrors(operation, errorCodes(operation, path, route));
      operation.security = securityOf(route);
      if (route.permissions.length > 0) {
        // A machine client reads here which scope a key needs for the route.
        (operation as unknown as Record<string, unknown>)['x-required-permission'] =
          route.permissions;
        const needs = `Requires permission ${route.permissions.join(', ')}.`;
        operation.description = operation.description ? `${operation.description} ${needs}` : needs;
      }
    }
  }
  return document;
}

/** Bearer (a session's access token or an API key) or X-API-Key, unless public or session-only. */
function securityOf(route: RouteFacts): OperationObject['security'] {
  // A handler that checks its own proof (the event stream: a session token or a ticket).
  if (route.optionalBearer) return [{ bearer: [] }, {}];
  if (route.isPublic) return [];
  return route.sessionOnly ? [{ bearer: [] }] : [{ bearer: [] }, { 'api-key': [] }];
}

/** The app's OpenAPI document, as served at /docs-json. */
export function createOpenApiDocument(
  nest: INestApplication,
  info: { title: string; version: string },
): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    nest,
    new DocumentBuilder()
      .setTitle(info.title)
      .setVersion(info.version)
      .setDescription(
        'REST API. GraphQL lives at /graphql with the same operations. Errors are problem+json (RFC 9457) with a stable `code`.',
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An access token, or an API key (nsk_…)' },
        'bearer',
      )
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (nsk_…)' },
        'api-key',
      )
      .build(),
  );
  return completeOpenApiDocument(document, routeFacts(nest));
}
