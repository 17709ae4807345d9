import { SetMetadata } from '@nestjs/common';
import { ApiAcceptedResponse } from '@nestjs/swagger';
import type { ErrorCode } from '../errors/error-codes.js';

export const API_ERRORS_KEY = 'openapi:errors';

/**
 * The error codes a route can answer beyond those the OpenAPI document derives from its metadata
 * (VALIDATION_FAILED with input, UNAUTHENTICATED unless @Public, FORBIDDEN with @Permissions,
 * NOT_FOUND with path parameters, RATE_LIMIT_EXCEEDED unless exempt): each one becomes a
 * problem+json response with an example. Documentation only: it changes no behaviour.
 */
export const ApiErrors = (...codes: [ErrorCode, ...ErrorCode[]]) =>
  SetMetadata(API_ERRORS_KEY, codes);

/** A 202 whose body is `{}` (the work goes on in the background or by mail). */
export const ApiAcceptedEmpty = (description = 'Accepted') =>
  ApiAcceptedResponse({
    description,
    schema: { type: 'object', properties: {}, additionalProperties: false, example: {} },
  });

export const API_OPTIONAL_BEARER_KEY = 'openapi:optionalBearer';

/** On a @Public route that checks a bearer token itself or takes another proof (a ticket). */
export const ApiOptionalBearer = () => SetMetadata(API_OPTIONAL_BEARER_KEY, true);
