import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerOptions } from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants.js';
import type { FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { getRequestResponse } from '../http/get-request.js';
import { RouteMetadataCache, type RouteTargets } from '../http/route-metadata-cache.js';
import { RATE_LIMIT_KEY, type RateLimitName } from './rate-limit.decorator.js';

type RequestWithUser = FastifyRequest & { user?: { id: string } };
type Resolvable = ThrottlerOptions['limit'];

/** The one limit a route is under, or undefined when none applies (skipped or unknown name). */
interface RoutePlan {
  throttler: ThrottlerOptions & { name: string };
  limit: Resolvable;
  ttl: Resolvable;
  blockDuration: Resolvable | undefined;
}

/**
 * One named limit per route (default, or the one named by @RateLimit), keyed by user id when
 * authenticated and by client IP otherwise; works for REST and GraphQL alike.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  // Built lazily: `throttlers` is only set in onModuleInit.
  private routes?: RouteMetadataCache<RoutePlan | undefined>;

  protected override getRequestResponse(context: ExecutionContext) {
    const { req, res } = getRequestResponse(context);
    return {
      req: req as unknown as Record<string, unknown>,
      res: res as unknown as Record<string, unknown>,
    };
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as RequestWithUser;
    return request.user?.id ? `user:${request.user.id}` : `ip:${request.ip}`;
  }

  /**
   * The base guard walks every named limit with six metadata lookups each on every request,
   * although only one limit ever applies to a route; this resolves that limit once per route.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    this.routes ??= new RouteMetadataCache((targets) => this.plan(targets));
    const plan = this.routes.get(context);
    if (!plan) return true;
    const { throttler } = plan;
    const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
    if (skipIf?.(context)) return true;
    const limit = toNumber(await resolve(context, plan.limit), 'limit', throttler.name);
    const ttl = toNumber(await resolve(context, plan.ttl), 'ttl', throttler.name);
    const blockDuration = toNumber(
      (await resolve(context, plan.blockDuration)) ?? ttl,
      'blockDuration',
      throttler.name,
    );
    return this.apply(context, throttler.name, limit, ttl, blockDuration);
  }

  private plan(targets: RouteTargets): RoutePlan | undefined {
    const name =
      this.reflector.getAllAndOverride<RateLimitName>(RATE_LIMIT_KEY, targets) ?? 'default';
    const throttler = this.throttlers.find((t) => t.name === name) as RoutePlan['throttler'];
    if (!throttler) return undefined;
    if (this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets)) return undefined;
    const override = <T>(key: string) => this.reflector.getAllAndOverride<T>(key + name, targets);
    return {
      throttler,
      limit: override<Resolvable>(THROTTLER_LIMIT) ?? throttler.limit,
      ttl: override<Resolvable>(THROTTLER_TTL) ?? throttler.ttl,
      blockDuration: override<Resolvable>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration,
    };
  }

  private async apply(
    context: ExecutionContext,
    name: string,
    limit: number,
    ttl: number,
    blockDuration: number,
  ): Promise<boolean> {
    const { req, res } = getRequestResponse(context);
    const tracker = await this.getTracker(req as unknown as Record<string, unknown>);
    const key = this.generateKey(context, tracker, name);
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - record.totalHits)),
      'X-RateLimit-Reset': String(
        record.isBlocked ? record.timeToBlockExpire : record.timeToExpire,
      ),
    };
    if (record.isBlocked) {
      throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many requests, retry later', {
        headers: { ...headers, 'Retry-After': String(record.timeToBlockExpire) },
      });
    }
    res.headers(headers);
    return true;
  }
}

async function resolve(context: ExecutionContext, value: Resolvable | undefined): Promise<unknown> {
  return typeof value === 'function' ? value(context) : value;
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
