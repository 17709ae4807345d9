import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { SkipThrottle } from '@nestjs/throttler';
import type { RouteTargets } from '../http/route-metadata-cache.js';

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
