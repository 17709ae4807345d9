import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { getRequestResponse } from '../http/get-request.js';
import { RATE_LIMIT_KEY, type RateLimitName } from './rate-limit.decorator.js';

type RequestWithUser = FastifyRequest & { user?: { id: string } };

/**
 * One named limit per route (default, or the one named by @RateLimit), keyed by user id when
 * authenticated and by client IP otherwise; works for REST and GraphQL alike.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
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

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = props;
    const applies =
      this.reflector.getAllAndOverride<RateLimitName>(RATE_LIMIT_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'default';
    if (throttler.name !== applies) return true;

    const { req, res } = getRequestResponse(context);
    const tracker = await this.getTracker(req as unknown as Record<string, unknown>);
    const key = this.generateKey(context, tracker, applies);
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, applies);
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
