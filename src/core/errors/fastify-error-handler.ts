import { Logger } from '@nestjs/common';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { normalizeError, toProblem } from './normalize-error.js';

/**
 * Errors Fastify raises before a Nest handler runs (malformed JSON, body too large, unsupported
 * content type) get the same problem+json answer as everything else.
 */
export function registerFastifyErrorHandler(adapter: FastifyAdapter): void {
  const logger = new Logger('Errors');
  const app = adapter.getInstance();
  // Nest would install its own handler later, after its routes captured this one; both end in
  // the same answer, so keep one handler and spare Fastify's override warning.
  adapter.setErrorHandler = () => app;
  app.setErrorHandler((exception, request, reply) => {
    const error = normalizeError(exception);
    if (error.unexpected) logger.error({ err: exception }, 'Unhandled error');
    void reply
      .status(error.status)
      .headers(error.headers ?? {})
      .type('application/problem+json')
      .send(toProblem(error, request.id));
  });
}
