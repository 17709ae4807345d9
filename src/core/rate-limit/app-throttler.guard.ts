import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerOptions,
  normalizeIp,
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
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { getRequestResponse } from '../http/get-request.js';
import { RouteMetadataCache, type RouteTargets } from '../http/route-metadata-cache.js';
import { RATE_LIMIT_KEY, type RateLimitName } from './rate-limit.decorator.js';

type RequestWithUser = FastifyRequest & { user?: { id: string } };
type Resolvable = ThrottlerOptions['limit'];
type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A store that can count without a promise (the in-memory one). */
interface SyncThrottlerStorage {
  incrementSync(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): StorageRecord;
}

interface Numbers {
  limit: number;
  ttl: number;
  blockDuration: number;
}

/** The one limit a route is under, or undefined when none applies (skipped or unknown name). */
interface RoutePlan {
  throttler: ThrottlerOptions & { name: string };
  /** `Class.handler`: the route's part of the counter key. */
  route: string;
  limit: Resolvable;
  ttl: Resolvable;
  blockDuration: Resolvable | undefined;
  /** The numbers, when none of them is a function of the request (the usual case). */
  fixed?: Numbers;
}

/** Longer trackers are not client IPs or user ids; cut so a forged header cannot grow keys. */
const MAX_TRACKER_LENGTH = 100;

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
    const skipIf = plan.throttler.skipIf ?? this.skipIf;
    if (skipIf?.(context)) return true;
    return plan.fixed ? this.count(context, plan, plan.fixed) : this.resolveAndCount(context, plan);
  }

  private plan(targets: RouteTargets): RoutePlan | undefined {
    const name =
      this.reflector.getAllAndOverride<RateLimitName>(RATE_LIMIT_KEY, targets) ?? 'default';
    const throttler = this.throttlers.find((t) => t.name === name);
    if (!throttler) return undefined;
    if (this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets)) return undefined;
    const override = <T>(key: string) => this.reflector.getAllAndOverride<T>(key + name, targets);
    const [handler, cls] = targets;
    const plan: RoutePlan = {
      throttler,
      route: `${cls.name}.${handler.name}`,
      limit: override<Resolvable>(THROTTLER_LIMIT) ?? throttler.limit,
      ttl: override<Resolvable>(THROTTLER_TTL) ?? throttler.ttl,
      blockDuration: override<Resolvable>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration,
    };
    const { limit, ttl, blockDuration } = plan;
    if (![limit, ttl, blockDuration].some((v) => typeof v === 'function')) {
      plan.fixed = numbers(name, limit, ttl, blockDuration);
    }
    return plan;
  }

  private async resolveAndCount(context: ExecutionContext, plan: RoutePlan): Promise<boolean> {
    const value = async (v: Resolvable | undefined): Promise<unknown> =>
      typeof v === 'function' ? v(context) : v;
    const resolved = numbers(
      plan.throttler.name,
      await value(plan.limit),
      await value(plan.ttl),
      await value(plan.blockDuration),
    );
    return this.count(context, plan, resolved);
  }

  private trackerOf(request: RequestWithUser): string {
    return request.user?.id
      ? `user:${request.user.id}`
      : `ip:${normalizeIp(request.ip, this.ipv6Prefix)}`;
  }

  private count(
    context: ExecutionContext,
    plan: RoutePlan,
    { limit, ttl, blockDuration }: Numbers,
  ): boolean | Promise<boolean> {
    const { req, res } = getRequestResponse(context);
    const name = plan.throttler.name;
    const key = `${plan.route}:${this.trackerOf(req as RequestWithUser).slice(0, MAX_TRACKER_LENGTH)}`;
    const store = this.storage as ThrottlerStorage & Partial<SyncThrottlerStorage>;
    if (store.incrementSync) {
      return answer(store.incrementSync(key, ttl, limit, blockDuration, name), limit, res);
    }
    return store
      .increment(key, ttl, limit, blockDuration, name)
      .then((record) => answer(record, limit, res));
  }
}

/** Sets the X-RateLimit-* headers, or refuses with 429 and Retry-After. */
function answer(record: StorageRecord, limit: number, res: FastifyReply): boolean {
  const headers = {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(Math.max(0, limit - record.totalHits)),
    'X-RateLimit-Reset': String(record.isBlocked ? record.timeToBlockExpire : record.timeToExpire),
  };
  if (record.isBlocked) {
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many requests, retry later', {
      headers: { ...headers, 'Retry-After': String(record.timeToBlockExpire) },
    });
  }
  res.headers(headers);
  return true;
}

function numbers(name: string, limit: unknown, ttl: unknown, blockDuration: unknown): Numbers {
  const ttlNumber = toNumber(ttl, 'ttl', name);
  return {
    limit: toNumber(limit, 'limit', name),
    ttl: ttlNumber,
    blockDuration: toNumber(blockDuration ?? ttlNumber, 'blockDuration', name),
  };
}

/** As the base guard: a number, or a numeric string, else a configuration error. */
function toNumber(value: unknown, option: string, throttler: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new Error(
      `Invalid "${option}" for the "${throttler}" throttler: expected a number, got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}
