import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerOptions,
  normalizeIp,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AccessRevocationsService } from '../auth/access-revocations.service.js';
import { AccessTokenService } from '../auth/access-token.service.js';
import { AppException } from '../errors/app.exception.js';
import { ERROR_CODES } from '../errors/error-codes.js';
import {
  describeIdempotentRequest,
  GRAPHQL_ROUTE,
  IDEMPOTENCY_KEY_HEADER,
  REPLAYED_HEADER,
} from './idempotent-request.js';
import {
  type IdempotencyClaim,
  IdempotencyService,
  MAX_STORED_BYTES,
} from './idempotency.service.js';
import { bearerToken } from '../auth/bearer-token.js';

type Done = (error?: Error) => void;

/** The answer's own headers, replayed with it; the rest (request id, limits, security) are fresh. */
const STORED_HEADERS = [
  'content-type',
  'content-language',
  'content-disposition',
  'content-location',
  'location',
  'etag',
  'last-modified',
  'link',
];
const STATUS_BY_GRAPHQL_CODE = new Map<string, number>(
  Object.values(ERROR_CODES).map(({ graphqlCode, status }) => [graphqlCode, status]),
);

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

function storedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function bodyOf(payload: unknown): Buffer | undefined {
  if (payload === null || payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.isBuffer(payload) ? payload : undefined;
}

/**
 * A GraphQL answer's outcome is its worst error (a resolver's INTERNAL is a 200 with errors):
 * the highest status among the error codes it carries, else the HTTP status.
 */
function graphqlOutcome(status: number, body: Buffer): number {
  if (body.length > MAX_STORED_BYTES) return status;
  let parsed: { errors?: Array<{ extensions?: { code?: unknown } }> };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return status;
  }
  const responses = Array.isArray(parsed) ? (parsed as (typeof parsed)[]) : [parsed];
  let worst = status;
  for (const response of responses) {
    for (const error of response?.errors ?? []) {
      const code = error?.extensions?.code;
      const codeStatus = typeof code === 'string' ? STATUS_BY_GRAPHQL_CODE.get(code) : undefined;
      if (codeStatus !== undefined && codeStatus > worst) worst = codeStatus;
    }
  }
  return worst;
}

/**
 * Idempotency-Key on every POST route and on GraphQL mutations, as Fastify hooks so that REST
 * and GraphQL take one path and a replay answers before any handler or resolver runs:
 * preHandler claims the key or replays, onSend stores the answer as sent, onResponse releases a
 * claim whose answer never went through onSend. Registered when this provider is created, that is
 * before Nest adds its routes and Mercurius its own: Fastify gives a route the hooks present then.
 */
@Injectable()
export class IdempotencyHooks {
  private readonly logger = new Logger('Idempotency');
  private readonly claims = new WeakMap<FastifyRequest, IdempotencyClaim>();
  private readonly ipv6Prefix: number;

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly service: IdempotencyService,
    private readonly tokens: AccessTokenService,
    private readonly revocations: AccessRevocationsService,
    @InjectThrottlerOptions() throttler: ThrottlerModuleOptions,
  ) {
    this.ipv6Prefix =
      (Array.isArray(throttler) ? undefined : throttler.ipv6SubnetPrefix) ??
      DEFAULT_IPV6_SUBNET_PREFIX;
    const app = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (app) this.register(app);
  }

  /**
   * Whose key it is: the user of a valid access token; else the credential sent (SHA-256), so
   * that callers this layer cannot identify (an API key, a stale token) are not pooled by IP;
   * else the client IP as the rate limiter counts it (IPv6 per /64).
   */
  scopeOf(request: FastifyRequest): string {
    const token = bearerToken(request);
    if (token) {
      const user = this.tokens.callerOf(request);
      if (user && !this.revocations.isRevoked(user)) return `user:${user.id}`;
      return `credential:${sha256(token)}`;
    }
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) return `credential:${sha256(apiKey)}`;
    return `ip:${normalizeIp(request.ip, this.ipv6Prefix)}`.slice(0, 100);
  }

  private register(app: FastifyInstance): void {
    app.addHook('preHandler', (request, reply, done: Done) => {
      if (request.headers[IDEMPOTENCY_KEY_HEADER] === undefined) return done();
      this.preHandler(request, reply, done);
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      const claim = this.claims.get(request);
      if (!claim) return done(null, payload);
      this.claims.delete(request);
      const body = bodyOf(payload);
      const outcome =
        request.routeOptions.url === GRAPHQL_ROUTE && body
          ? graphqlOutcome(reply.statusCode, body)
          : reply.statusCode;
      const response = { status: reply.statusCode, headers: storedHeaders(reply), body };
      const send = (): void => done(null, payload);
      this.service.finish(claim, outcome, response).then(send, send);
    });
    app.addHook('onResponse', (request, _reply, done: Done) => {
      const claim = this.claims.get(request);
      if (claim) {
        this.claims.delete(request);
        this.service.release(claim).catch((error: unknown) => {
          this.logger.error({ err: error }, 'Could not release an idempotency key');
        });
      }
      done();
    });
  }

  private preHandler(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    let described;
    try {
      described = describeIdempotentRequest(request);
    } catch (error) {
      return done(error as Error);
    }
    if (!described) return done();
    this.service.start(this.scopeOf(request), described).then(
      (start) => {
        if (start.outcome === 'claimed') {
          this.claims.set(request, start.claim);
          return done();
        }
        const { status, headers, body } = start.response;
        void reply.code(status).headers(headers).header(REPLAYED_HEADER, 'true').send(body);
      },
      (error: unknown) => {
        // GraphQL answers hook errors through Mercurius, which does not copy an error's headers.
        if (error instanceof AppException && error.details.headers) {
          reply.headers(error.details.headers);
        }
        done(error as Error);
      },
    );
  }
}
