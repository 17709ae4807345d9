import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IncomingMessage } from 'node:http';
import { AppException } from '../errors/app.exception.js';
import { parseGraphqlMultipart } from './graphql-multipart.js';

export interface MultipartOptions {
  /** The largest file any route accepts; the files module enforces each kind's own limit. */
  maxFileBytes: number;
}

/** Boundaries, part headers and the small fields that may come with the largest file. */
export const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

/**
 * A body left unread when the answer is ready is read and dropped if at most this much remains
 * and it arrives within UNREAD_BODY_DRAIN_MS; the connection then stays usable. Otherwise the
 * answer says `Connection: close` and the socket is closed once it is sent.
 */
export const UNREAD_BODY_DRAIN_BYTES = 1024 * 1024;
export const UNREAD_BODY_DRAIN_MS = 2000;

/**
 * multipart/form-data for REST (`request.file()`, streamed) and for GraphQL (the multipart
 * request spec: `operations`, `map`, then the files, which resolvers stream as they arrive).
 */
export async function registerMultipart(
  app: FastifyInstance,
  options: MultipartOptions,
): Promise<void> {
  await app.register(fastifyMultipart, {
    // One byte more than the largest limit, so that the files module sees "too large" itself.
    limits: {
      fileSize: options.maxFileBytes + 1,
      files: 1,
      fields: 10,
      fieldSize: 10_000,
      parts: 12,
    },
    throwFileSizeLimit: false,
  });
  const isGraphqlUpload = (request: FastifyRequest): boolean =>
    request.routeOptions.url === '/graphql' && request.isMultipart();
  const maxRequestBytes = options.maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  const bodyStarts = new WeakMap<IncomingMessage, number>();

  // Callback hooks with an early return, not async ones: they run on every request, and an
  // async hook costs a promise (and its async-context bookkeeping) each time.
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    if (raw instanceof IncomingMessage && hasBody(raw)) bodyStarts.set(raw, raw.socket.bytesRead);
    if (!/^multipart\/form-data/i.test(request.headers['content-type'] ?? '')) return done();
    // Refused before a byte of the body is read: no file of any kind could fit.
    if (declaredLength(request) > maxRequestBytes) {
      return done(
        new AppException('PAYLOAD_TOO_LARGE', `The request exceeds ${maxRequestBytes} bytes`, {
          errors: [{ field: 'file', message: `file exceeds ${options.maxFileBytes} bytes` }],
        }),
      );
    }
    done();
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (!isGraphqlUpload(request)) return done();
    parseGraphqlMultipart(request.raw, {
      maxFileBytes: options.maxFileBytes,
      maxFieldBytes: 100_000,
    }).then((body) => {
      request.body = body;
      done();
    }, done);
  });
  // An answer sent before its request's body was read (an upload refused, unauthenticated,
  // too large): an unread body holds the connection, and the next request on it would wait
  // for the idle timeout. Little left: read it now. Much left: close after answering.
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    if (!(raw instanceof IncomingMessage) || raw.complete || !hasBody(raw)) {
      return done(null, payload);
    }
    drainUnreadBody(raw, bodyStarts.get(raw)).then((ended) => {
      if (!ended) reply.header('connection', 'close');
      done(null, payload);
    }, done);
  });
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function declaredLength(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  return Number.isFinite(length) ? length : 0;
}

/**
 * Reads and drops the rest of a body whose readers gave up; true once it has ended. False when
 * more than UNREAD_BODY_DRAIN_BYTES remain (by Content-Length, or counted) or it does not end
 * within UNREAD_BODY_DRAIN_MS; it is still dropped until the socket closes.
 */
function drainUnreadBody(raw: IncomingMessage, bodyStart: number | undefined): Promise<boolean> {
  if (raw.destroyed) return Promise.resolve(false);
  raw.unpipe();
  raw.resume();
  const length = Number(raw.headers['content-length']);
  // bytesRead since the request began counts its head too, so this bounds what is left.
  const leftAtMost = bodyStart === undefined ? length : length - (raw.socket.bytesRead - bodyStart);
  if (Number.isFinite(length) && leftAtMost > UNREAD_BODY_DRAIN_BYTES) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    let read = 0;
    const settle = (ended: boolean): void => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > UNREAD_BODY_DRAIN_BYTES) settle(false);
    };
    const onEnd = (): void => settle(true);
    const onClose = (): void => settle(raw.readableEnded);
    const timer = setTimeout(() => settle(false), UNREAD_BODY_DRAIN_MS);
    raw.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}
