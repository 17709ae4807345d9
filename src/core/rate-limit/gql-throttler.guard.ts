import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { AppException } from '../errors/app.exception.js';
import { getRequestResponse, isGraphql } from '../http/get-request.js';
import { cachingReflector, RouteMetadataCache } from '../http/route-metadata-cache.js';
import { trackerOf } from './rate-limit-counter.js';
import { rateLimitOf } from './rate-limit.decorator.js';

type TrackedRequest = { ip: string; user?: { id: string; apiKey?: { id: string } } };

/**
 * @nestjs/throttler's ThrottlerGuard for REST and GraphQL alike (the NestJS docs' GraphQL
 * subclass, overriding getRequestResponse), with the project's rules through its extension
 * points: one named limit per route (`default`, or the one @RateLimit names; on GraphQL
 * `default` is counted per /graphql request by GraphqlRateLimiter, so fields skip it), counters
 * keyed by the twins' bucket and by user id when authenticated, else client IP; unsuffixed
 * X-RateLimit-* headers (only one limit applies) and 429 RATE_LIMIT_EXCEEDED as an AppException.
 */
@Injectable()
export class GqlThrottlerGuard extends ThrottlerGuard {
  private readonly routes = new RouteMetadataCache((targets) =>
    rateLimitOf(this.reflector, targets),
  );

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    // The library reads its skip, limit, ttl, block, tracker and key metadata on every request.
    super(options, storage, cachingReflector(reflector));
  }

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.map((throttler) => {
      const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
      return {
        ...throttler,
        skipIf: (context: ExecutionContext) =>
          !this.applies(context, throttler.name ?? 'default') || Boolean(skipIf?.(context)),
      };
    });
  }

  private applies(context: ExecutionContext, name: string): boolean {
    if (this.routes.get(context).name !== name) return false;
    return !(name === 'default' && isGraphql(context));
  }

  protected override getRequestResponse(context: ExecutionContext) {
    const { req, res } = getRequestResponse(context);
    // A GraphQL response carries the /graphql request's budget: a field's limit only refuses.
    return { req, res: isGraphql(context) ? {} : res };
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const { user, ip } = req as TrackedRequest;
    // A machine client's key has its own budget, apart from its owner's sessions.
    if (user?.apiKey) return `apikey:${user.apiKey.id}`;
    return trackerOf(user?.id, ip, this.ipv6SubnetPrefix);
  }

  protected override generateKey(context: ExecutionContext, tracker: string): string {
    return `${this.routes.get(context).bucket}:${tracker}`;
  }

  protected override setResponseHeader(
    res: Record<string, unknown>,
    name: string,
    value: string | number,
  ): void {
    super.setResponseHeader(res, name.replace(/-(strict|stats)$/, ''), value);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    { limit, totalHits, timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many requests, retry later', {
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - totalHits)),
        'X-RateLimit-Reset': String(timeToBlockExpire),
        'Retry-After': String(timeToBlockExpire),
      },
    });
  }
}
