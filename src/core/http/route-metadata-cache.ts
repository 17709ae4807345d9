import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

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
    return this.of(context.getHandler(), context.getClass());
  }

  of(handler: Handler, cls: Class): T {
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

/**
 * A Reflector whose `getAllAndOverride(key, [handler, class])` answers from a cache: for a guard
 * from a library that reads its metadata per request (@nestjs/throttler reads up to six keys per
 * named limit on every request). Other calls and other target lists go to the Reflector as is.
 */
export function cachingReflector(reflector: Reflector): Reflector {
  const byRoute = new RouteMetadataCache(() => new Map<unknown, unknown>());
  const cached = Object.create(reflector) as Reflector;
  const read = (key: unknown, targets: Parameters<Reflector['getAllAndOverride']>[1]): unknown =>
    reflector.getAllAndOverride(key as string, targets);
  cached.getAllAndOverride = ((key: unknown, targets: Parameters<typeof read>[1]) => {
    const [handler, cls] = targets;
    if (targets.length !== 2 || !handler || !cls) return read(key, targets);
    const byKey = byRoute.of(handler, cls as Class);
    if (!byKey.has(key)) byKey.set(key, read(key, targets));
    return byKey.get(key);
  }) as Reflector['getAllAndOverride'];
  return cached;
}
