import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Keeps a well-formed incoming X-Request-ID, otherwise makes a UUID. */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

type RawWithId = IncomingMessage & { id?: string };

/** Fastify's genReqId; also stored on the raw request so pino-http reuses it. */
export function genReqId(raw: IncomingMessage): string {
  const req = raw as RawWithId;
  req.id ??= resolveRequestId(req.headers[REQUEST_ID_HEADER]);
  return req.id;
}
