import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseGraphqlMultipart } from './graphql-multipart.js';

export interface MultipartOptions {
  /** The largest file any route accepts; the files module enforces each kind's own limit. */
  maxFileBytes: number;
}

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
  app.addHook('preValidation', async (request) => {
    if (!isGraphqlUpload(request)) return;
    request.body = await parseGraphqlMultipart(request.raw, {
      maxFileBytes: options.maxFileBytes,
      maxFieldBytes: 100_000,
    });
  });
  // A file no resolver read (refused before it ran, e.g. unauthenticated): the answer is sent,
  // so drop the connection rather than read an upload of any size to its end.
  app.addHook('onResponse', async (request) => {
    if (isGraphqlUpload(request) && !request.raw.complete) request.raw.destroy();
  });
}
