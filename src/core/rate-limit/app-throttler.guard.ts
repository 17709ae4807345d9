import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants.js';
import type { FastifyRequest } from 'fastify';
import { getRequestResponse, isGraphql } from '../http/get-request.js';
import { RouteMetadataCache, type RouteTargets } from '../http/route-metadata-cache.js';
import {
  countHits,
  headersOrRefusal,
  type LimitNumbers,
  limitNumbers,
  type StorageRecord,
  trackerOf,
} from './rate-limit-counter.js';
import {
  RATE_LIMIT_BUCKET_KEY,
  RATE_LIMIT_KEY,
  type RateLimitName,
} from './rate-limit.decorator.js';

type RequestWithUser = FastifyRequest & { user?: { id: string } };
type Resolvable = ThrottlerOptions['limit'];

/** The one limit a route is under, or undefined when none applies (skipped or unknown name). */
interface RoutePlan {
  throttler: ThrottlerOptions & { name: string };
  /** `Auth.login`: the route's part of the counter key, shared by a REST and GraphQL twin. */
  route: string;
  limit: Resolvable;
  ttl: Resolvable;
  blockDuration: Resolvable | undefined;
  /** The numbers, when none of them is a function of the request (the usual case). */
  fixed?: LimitNumbers;
  /** `default` with its own numbers: on GraphQL the /graphql request itself was counted. */
  countedPerRequest: boolean;
}

/** `AuthController` and `AuthResolver` are both `Auth`. */
const twinName = (cls: string): string => cls.replace(/(Controller|Resolver)$/, '') || cls;

/** A route's limit and its bucket (`Auth.login`), which a REST route and its GraphQL twin share. */
export function rateLimitOf(
  reflector: Reflector,
  targets: RouteTargets,
): { name: RateLimitName; bucket: string } {
  const [handler, cls] = targets;
  const name = reflector.getAllAndOverride<RateLimitName>(RATE_LIMIT_KEY, targets) ?? 'default';
  const bucket = reflector.getAllAndOverride<string>(RATE_LIMIT_BUCKET_KEY, targets);
  return { name, bucket: `${twinName(cls.name)}.${bucket ?? handler.name}` };
}

/**
 * One named limit per route (default, or the one named by @RateLimit), keyed by user id when
 * authenticated and by client IP otherwise; works for REST and GraphQL alike. It reads the
 * limits and the store that ThrottlerModule provides and honours @nestjs/throttler's route
 * decorators (@SkipThrottle, @Throttle overrides), but is not its ThrottlerGuard: that one walks
 * every named limit with six metadata lookups each on every request, hashes the key, and is
 * always asynchronous. Here the one limit of a route is resolved once, and with fixed numbers and
 * the in-memory store the guard answers synchronously (Nest awaits only a returned promise, and
 * each promise costs: AsyncLocalStorage hooks on Node 20).
 */
@Injectable()
export class AppThrottlerGuard implements CanActivate {
  private readonly throttlers: RoutePlan['throttler'][];
  private readonly skipIf: ((context: ExecutionContext) => boolean) | undefined;
  /** IPv6 clients are counted per subnet (/64 by default): one host can own a whole /64. */
  private readonly ipv6Prefix: number;
  private readonly routes = new RouteMetadataCache((targets) => this.plan(targets));

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly reflector: Reflector,
  ) {
    const list = Array.isArray(options) ? options : options.throttlers;
    this.throttlers = list.map((t) => ({ ...t, name: t.name ?? 'default' }));
    this.skipIf = Array.isArray(options) ? undefined : options.skipIf;
    this.ipv6Prefix =
      (Array.isArray(options) ? undefined : options.ipv6SubnetPrefix) ?? DEFAULT_IPV6_SUBNET_PREFIX;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const plan = this.routes.get(context);
    if (!plan) return true;
    // The GraphQL transport counts each operation against `default` before parsing it.
    if (plan.countedPerRequest && isGraphql(context)) return true;
    const skipIf = plan.throttler.skipIf ?? this.skipIf;
    if (skipIf?.(context)) return true;
    return plan.fixed ? this.count(context, plan, plan.fixed) : this.resolveAndCount(context, plan);
  }

  private plan(targets: RouteTargets): RoutePlan | undefined {
    const { name, bucket } = rateLimitOf(this.reflector, targets);
    const throttler = this.throttlers.find((t) => t.name === name);
    if (!throttler) return undefined;
    if (this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets)) return undefined;
    const override = <T>(key: string) => this.reflector.getAllAndOverride<T>(key + name, targets);
    const overrides = [THROTTLER_LIMIT, THROTTLER_TTL, THROTTLER_BLOCK_DURATION].map((key) =>
      override<Resolvable>(key),
    );
    const plan: RoutePlan = {
      throttler,
      route: bucket,
      limit: overrides[0] ?? throttler.limit,
      ttl: overrides[1] ?? throttler.ttl,
      blockDuration: overrides[2] ?? throttler.blockDuration,
      countedPerRequest: name === 'default' && overrides.every((v) => v === undefined),
    };
    const { limit, ttl, blockDuration } = plan;
    if (![limit, ttl, blockDuration].some((v) => typeof v === 'function')) {
      plan.fixed = limitNumbers(name, limit, ttl, blockDuration);
    }
    return plan;
  }

  private async resolveAndCount(context: ExecutionContext, plan: RoutePlan): Promise<boolean> {
    const value = async (v: Resolvable | undefined): Promise<unknown> =>
      typeof v === 'function' ? v(context) : v;
    const resolved = limitNumbers(
      plan.throttler.name,
      await value(plan.limit),
      await value(plan.ttl),
      await value(plan.blockDuration),
    );
    return this.count(context, plan, resolved);
  }

  private count(
    context: ExecutionContext,
    plan: RoutePlan,
    numbers: LimitNumbers,
  ): boolean | Promise<boolean> {
    const { req, res } = getRequestResponse(context);
    const user = (req as RequestWithUser).user;
    const key = `${plan.route}:${trackerOf(user?.id, req.ip, this.ipv6Prefix)}`;
    // GraphQL responses carry the /graphql request budget; a field's named limit only refuses.
    const answer = (record: StorageRecord): boolean => {
      const headers = headersOrRefusal(record, numbers.limit);
      if (!isGraphql(context)) res.headers(headers);
      return true;
    };
    const record = countHits(this.storage, key, plan.throttler.name, numbers);
    return record instanceof Promise ? record.then(answer) : answer(record);
  }
}
