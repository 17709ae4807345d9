import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getRequest } from './get-request.js';

/** Where a request comes from, as sessions and audit record it. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo => {
    const request = getRequest(context);
    return {
      ip: request.ip ?? null,
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
    };
  },
);
