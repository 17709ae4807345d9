import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { type Observable, tap } from 'rxjs';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { getRequest, isGraphql } from '../../core/http/get-request.js';
import { requestContext } from '../../core/http/request-context.js';
import { redactDeep } from '../../core/observability/redact.js';
import type { AuditStatus } from './audit-writer.js';
import { AuditWriter } from './audit-writer.js';
import { AUDITED_KEY } from './audited.decorator.js';

const idOf = (value: unknown): string | null => {
  if (value && typeof value === 'object' && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return null;
};

/** Records an entry for every REST route or GraphQL mutation marked @Audited; never fails it. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly writer: AuditWriter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(AUDITED_KEY, context.getHandler());
    if (!action) return next.handle();
    return next.handle().pipe(
      tap({
        next: (result) => this.record(context, action, 'success', result),
        error: (error: unknown) => this.record(context, action, 'failure', undefined, error),
      }),
    );
  }

  private record(
    context: ExecutionContext,
    action: string,
    status: AuditStatus,
    result?: unknown,
    error?: unknown,
  ): void {
    try {
      const req = getRequest(context);
      const user = (req as { user?: AuthUser }).user;
      let input: unknown;
      let paramId: string | null = null;
      if (isGraphql(context)) {
        const args = GqlExecutionContext.create(context).getArgs<Record<string, unknown>>();
        input = args;
        paramId = typeof args.id === 'string' ? args.id : idOf(args.input);
        if (!paramId && args.input && typeof args.input === 'object') {
          const userId = (args.input as { userId?: unknown }).userId;
          if (typeof userId === 'string') paramId = userId;
        }
      } else {
        input = req.body;
        const params = req.params as Record<string, string> | undefined;
        paramId = params?.id ?? null;
      }
      const ctx = requestContext.get();
      const code = error instanceof AppException ? error.code : error ? 'INTERNAL' : null;
      this.writer.write({
        occurredAt: new Date(),
        actorId: user?.id ?? null,
        actorType: user ? 'user' : 'system',
        action,
        entityType: action.split('.')[0] ?? null,
        entityId: paramId ?? idOf(result),
        oldValues: null,
        newValues: input === undefined ? null : redactDeep(input),
        ip: ctx?.ip ?? req.ip ?? null,
        userAgent: ctx?.userAgent ?? req.headers['user-agent'] ?? null,
        requestId: ctx?.requestId ?? null,
        status,
        description: code ? `${action} failed: ${code}` : action,
      });
    } catch {
      // Recording never fails the request.
    }
  }
}
