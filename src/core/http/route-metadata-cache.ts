import type { ExecutionContext } from '@nestjs/common';

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Class = ReturnType<ExecutionContext['getClass']>;
export type RouteTargets = [Handler, Class];

/**
 * What a guard derives from a route's decorator metadata, computed once per handler and class:
 * metadata is fixed at start-up, and reading it through the Reflector on every request (a few
 * prototype-chain walks per key) is a measurable share of a cheap request.
 */
export class RouteMetadataCache<T> {
  private readonly byHandler = new WeakMap<Handler, Map<Class, T>>();

  constructor(private readonly compute: (targets: RouteTargets) => T) {}

  get(context: ExecutionContext): T {
    const handler = context.getHandler();
    const cls = context.getClass();
    let byClass = this.byHandler.get(handler);
    if (!byClass) {
      byClass = new Map();
      this.byHandler.set(handler, byClass);
    }
    if (byClass.has(cls)) return byClass.get(cls) as T;
    const value = this.compute([handler, cls]);
    byClass.set(cls, value);
    return value;
  }
}
