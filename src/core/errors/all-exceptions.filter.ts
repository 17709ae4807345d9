import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { getRequestResponse, isGraphql } from '../http/get-request.js';
import { ERROR_CODES } from './error-codes.js';
import { normalizeError, toProblem } from './normalize-error.js';

/** One filter for both transports: problem+json on REST, extensions.code on GraphQL. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): GraphQLError | void {
    const error = normalizeError(exception);
    const { req, res } = getRequestResponse(host);
    if (error.unexpected) {
      this.logger.error({ err: exception, request_id: req.id }, 'Unhandled error');
    }
    if (isGraphql(host)) {
      if (error.headers) res.headers(error.headers);
      return new GraphQLError(error.detail, {
        extensions: {
          code: ERROR_CODES[error.code].graphqlCode,
          requestId: req.id,
          ...(error.errors ? { errors: error.errors } : {}),
        },
      });
    }
    if (res.sent) return;
    void res
      .status(error.status)
      .headers(error.headers ?? {})
      .type('application/problem+json')
      .send(toProblem(error, req.id));
  }
}
