import { applyDecorators, SetMetadata } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';

export const RATE_LIMIT_KEY = 'rateLimit';
export type RateLimitName = 'default' | 'strict' | 'stats';

/** Puts a route under a named limit instead of `default` (one limit applies per route). */
export const RateLimit = (name: Exclude<RateLimitName, 'default'>) =>
  applyDecorators(SetMetadata(RATE_LIMIT_KEY, name));

/** Exempts a route or controller (probes, metrics) from every limit. */
export const NoRateLimit = () => SkipThrottle({ default: true, strict: true, stats: true });
