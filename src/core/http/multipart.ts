import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { processRequest } from 'graphql-upload-minimal';
import { AppException } from '../errors/app.exception.js';

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
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql' || !request.isMultipart()) return;
    try {
      request.body = await processRequest(request.raw, reply.raw, {
        maxFileSize: options.maxFileBytes + 1,
        maxFiles: 1,
        maxFieldSize: 100_000,
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      const message = (error as Error).message;
      throw status === 413
        ? new AppException('PAYLOAD_TOO_LARGE', message)
        : new AppException('VALIDATION_FAILED', `Invalid multipart GraphQL request: ${message}`);
    }
  });
}
