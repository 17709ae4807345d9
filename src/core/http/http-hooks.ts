import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import {
  httpRequestDuration,
  httpRequestsInFlight,
  httpRequestsTotal,
} from '../observability/metrics.js';
import { type RequestContext, requestContext } from './request-context.js';
import { type HeaderMap, isPageRequest } from './security-headers.js';
import { REQUEST_ID_HEADER } from './request-id.js';

declare module 'fastify' {
  interface FastifyRequest {
    appContext: RequestContext;
    startedAt: bigint;
  }
}

const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);

/**
 * The first and last things every request meets: request id and context, default headers,
 * in-flight gauge; then the access log line, RED metrics by route template and the N+1 warning.
 */
export function registerHttpHooks(
  app: FastifyInstance,
  options: {
    queryWarnCount: number;
    isShuttingDown: () => boolean;
    headers: { api: HeaderMap; pages: HeaderMap };
  },
): void {
  const logger = new Logger('HTTP');
  app.decorateRequest('appContext', undefined as unknown as RequestContext);
  app.decorateRequest('startedAt', 0n);

  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = process.hrtime.bigint();
    request.appContext = {
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 512),
      queryCount: 0,
    };
    httpRequestsInFlight.inc();
    reply.headers(isPageRequest(request.url) ? options.headers.pages : options.headers.api);
    reply.header(REQUEST_ID_HEADER, request.id);
    requestContext.run(request.appContext, done);
  });

  // While draining, tell keep-alive clients to hang up after this response, so that the server
  // can close once in-flight requests are answered.
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (options.isShuttingDown()) reply.header('connection', 'close');
    done();
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    httpRequestsInFlight.dec();
    const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    httpRequestsTotal.inc(labels);
    httpRequestDuration.observe(labels, seconds);
    const quiet = QUIET_ROUTES.has(route);
    const queries = request.appContext.queryCount;
    const tooManyQueries = options.queryWarnCount > 0 && queries > options.queryWarnCount;
    // Skipped when the level would drop the access line anyway (e.g. LOG_LEVEL=warn): building
    // it and entering the request context again cost more than the rest of this hook.
    if (!tooManyQueries && !levelEnabled(quiet ? 'debug' : 'info')) return done();
    requestContext.run(request.appContext, () => {
      const line = {
        method: labels.method,
        route,
        status: reply.statusCode,
        duration_ms: Math.round(seconds * 1e4) / 10,
      };
      if (quiet) logger.debug(line, 'request completed');
      else logger.log(line, 'request completed');
      if (tooManyQueries) {
        logger.warn({ route, queries }, `request ran ${queries} queries (possible N+1)`);
      }
    });
    done();
  });
}

/** Whether the app's pino logger writes this level; true before it exists (logs stay buffered). */
function levelEnabled(level: 'debug' | 'info'): boolean {
  return PinoLogger.root?.isLevelEnabled(level) ?? true;
}
