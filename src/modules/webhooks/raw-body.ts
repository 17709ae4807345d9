import type { RawBodyRequest } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { AppException } from '../../core/errors/app.exception.js';

const RAW_BODY_ROUTE = 'rawBodyRoute';
const PARSER_HEADERS = ['content-type', 'content-length', 'transfer-encoding'] as const;
const hiddenHeaders = new WeakMap<FastifyRequest, IncomingHttpHeaders>();

/**
 * Marks a route whose body reaches the handler as the exact bytes received (Nest's `@RawBody()`),
 * of any content type, never parsed: what a signature was computed over.
 */
export const RawBodyRoute = () => RouteConfig({ [RAW_BODY_ROUTE]: true });

const isRawBodyRoute = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[
    RAW_BODY_ROUTE
  ] === true;

const tooLarge = (): AppException =>
  new AppException('PAYLOAD_TOO_LARGE', 'The request body is larger than allowed');

/** The whole stream, or a rejection as soon as it passes `limit` bytes. */
function readAll(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stream.removeListener('data', onData);
        stream.removeListener('end', onEnd);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks, size));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.once('error', reject);
  });
}

/**
 * For routes marked `@RawBodyRoute()`: reads the body (at most `limitBytes`) in `preParsing`,
 * and keeps Fastify's content-type parsers away from it by hiding the three headers they are
 * chosen by until `preValidation`, when they are put back. Content-type parsers cannot be
 * scoped to one route of Nest's (all share the root context), hence the hooks.
 */
export function registerRawBodyRoutes(app: FastifyInstance, limitBytes: number): void {
  // Callback hooks: every request passes them, and most leave at once.
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!isRawBodyRoute(request)) return done(null, payload);
    const headers = request.raw.headers;
    const fail = (error: unknown): void => {
      // The rest of the body is not read: tell the client this connection is done.
      reply.header('connection', 'close');
      done(error as Error);
    };
    if (Number(headers['content-length'] ?? 0) > limitBytes) return fail(tooLarge());
    readAll(payload, limitBytes).then((body) => {
      (request as RawBodyRequest<FastifyRequest>).rawBody = body;
      const hidden: IncomingHttpHeaders = {};
      for (const name of PARSER_HEADERS) {
        if (headers[name] !== undefined) hidden[name] = headers[name];
        delete headers[name];
      }
      hiddenHeaders.set(request, hidden);
      done(null, payload);
    }, fail);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const hidden = hiddenHeaders.get(request);
    if (hidden) Object.assign(request.raw.headers, hidden);
    done();
  });
}
