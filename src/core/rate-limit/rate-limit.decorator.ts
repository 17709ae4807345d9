import { applyDecorators, SetMetadata } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';

export const RATE_LIMIT_KEY = 'rateLimit';
export const RATE_LIMIT_BUCKET_KEY = 'rateLimitBucket';
export type RateLimitName = 'default' | 'strict' | 'stats';

/**
 * Puts a route under a named limit instead of `default` (one limit applies per route). A REST
 * route and its GraphQL twin share one budget per caller: the bucket is the class name without
 * its Controller/Resolver suffix and the handler name (`AuthController.login` and
 * `AuthResolver.login` both count in `Auth.login`); `bucket` names the twin's handler when the
 * two method names differ (`@RateLimit('strict', { bucket: 'refresh' })` on `refreshToken`).
 */
export const RateLimit = (name: Exclude<RateLimitName, 'default'>, options?: { bucket?: string }) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, name),
    ...(options?.bucket ? [SetMetadata(RATE_LIMIT_BUCKET_KEY, options.bucket)] : []),
  );

/** Exempts a route or controller (probes, metrics) from every limit. */
export const NoRateLimit = () => SkipThrottle({ default: true, strict: true, stats: true });
