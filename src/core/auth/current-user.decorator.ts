import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getRequest } from '../http/get-request.js';
import type { AuthUser } from './auth-user.js';

/** The authenticated caller of a REST route or GraphQL resolver. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser | undefined => getRequest(context).user,
);
