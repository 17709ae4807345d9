import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { type Observable, from, mergeMap, switchMap, tap } from 'rxjs';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { getRequest, isGraphql } from '../../core/http/get-request.js';
import { requestContext } from '../../core/http/request-context.js';
import { redactDeep } from '../../core/observability/redact.js';
import { changedValues } from './audit-diff.js';
import { type AuditSnapshotProvider, AuditSnapshotRegistry } from './audit-snapshot.js';
import type { AuditStatus } from './audit-writer.js';
import { AuditWriter } from './audit-writer.js';
import { AUDITED_KEY, type AuditedMetadata } from './audited.decorator.js';

/** How long a snapshot load may hold the request up before it is recorded without it. */
export const SNAPSHOT_TIMEOUT_MS = 1000;

type Snapshot = Record<string, unknown> | null;

interface Target {
  action: string;
  entityType: string | null;
  entityId: string | null;
  input: unknown;
}

const idOf = (value: unknown): string | null => {
  if (value && typeof value === 'object' && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return null;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Records an entry for every REST route or GraphQL mutation marked @Audited; never fails it.
 * When a snapshot provider serves the entity type and the entity id is known before the handler
 * runs, the entity is loaded before and after it, and the changed fields are recorded as old and
 * new values. Otherwise the new values are the request's input.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshotRegistry,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedMetadata | undefined>(AUDITED_KEY, context.getHandler());
    if (!meta) return next.handle();
    let target: Target;
    try {
      target = this.target(context, meta);
    } catch {
      return next.handle();
    }
    const { entityType, entityId } = target;
    const provider = entityType && entityId ? this.snapshots.get(entityType) : undefined;
    if (!provider || !entityId) {
      return next.handle().pipe(
        tap({
          next: (result) => this.record(context, target, 'success', { result }),
          error: (error: unknown) => this.record(context, target, 'failure', { error }),
        }),
      );
    }
    return from(this.load(provider, entityId, target.action, 'before')).pipe(
      switchMap((before) =>
        next.handle().pipe(
          mergeMap(async (result) => {
            const after = await this.load(provider, entityId, target.action, 'after');
            this.record(context, target, 'success', { result, before, after });
            return result;
          }),
          tap({ error: (error: unknown) => this.record(context, target, 'failure', { error }) }),
        ),
      ),
    );
  }

  /** The entity's snapshot, or undefined (with a warning) when it cannot be had in time. */
  private async load(
    provider: AuditSnapshotProvider,
    id: string,
    action: string,
    when: 'before' | 'after',
  ): Promise<Snapshot | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('snapshot timed out')), SNAPSHOT_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([provider.snapshot(id), timeout]);
    } catch (error) {
      this.logger.warn(
        { err: error, action, entityType: provider.entityType, entityId: id },
        `Audit snapshot (${when}) failed; recording without it`,
      );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private target(context: ExecutionContext, meta: AuditedMetadata): Target {
    const entityType = meta.entityType ?? meta.action.split('.')[0] ?? null;
    if (isGraphql(context)) {
      const args = GqlExecutionContext.create(context).getArgs<Record<string, unknown>>();
      let entityId = typeof args.id === 'string' ? args.id : idOf(args.input);
      if (!entityId && isRecord(args.input) && typeof args.input.userId === 'string') {
        entityId = args.input.userId;
      }
      return { action: meta.action, entityType, entityId, input: args };
    }
    const req = getRequest(context);
    const params = req.params as Record<string, string> | undefined;
    return { action: meta.action, entityType, entityId: params?.id ?? null, input: req.body };
  }

  private record(
    context: ExecutionContext,
    target: Target,
    status: AuditStatus,
    outcome: { result?: unknown; error?: unknown; before?: Snapshot; after?: Snapshot },
  ): void {
    try {
      const req = getRequest(context);
      const user = (req as { user?: AuthUser }).user;
      const ctx = requestContext.get();
      const { error } = outcome;
      const code = error instanceof AppException ? error.code : error ? 'INTERNAL' : null;
      const { action, input } = target;
      const values = this.values(status, input, outcome.before, outcome.after);
      this.writer.write({
        occurredAt: new Date(),
        actorId: user?.id ?? null,
        actorType: user ? 'user' : 'system',
        action,
        entityType: target.entityType,
        entityId: target.entityId ?? idOf(outcome.result),
        oldValues: values.old,
        newValues: values.new,
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

  /**
   * Both snapshots: only the changed fields. No usable before-snapshot: the whole after-snapshot
   * as new values. No after-snapshot, or a failure: the (redacted) input as new values.
   */
  private values(
    status: AuditStatus,
    input: unknown,
    before: Snapshot | undefined,
    after: Snapshot | undefined,
  ): { old: unknown; new: unknown } {
    const redactedInput = input === undefined ? null : redactDeep(input);
    if (status === 'failure' || !after) return { old: null, new: redactedInput };
    const newState = redactDeep(after) as Record<string, unknown>;
    if (!before) return { old: null, new: newState };
    return changedValues(redactDeep(before) as Record<string, unknown>, newState);
  }
}
