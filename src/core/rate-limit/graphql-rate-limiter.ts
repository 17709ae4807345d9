import { Injectable } from '@nestjs/common';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenService } from '../auth/access-token.service.js';
import {
  countHits,
  headersOrRefusal,
  type LimitNumbers,
  limitNumbers,
  type StorageRecord,
  trackerOf,
} from './rate-limit-counter.js';

/**
 * Counts GraphQL HTTP requests against the caller's `default` limit before anything parses them,
 * so work that never reaches a resolver (`{ __typename }`, introspection, invalid documents) is
 * limited too. The caller is the one the rate-limit guard sees: the user of a valid access token,
 * else the client IP. Each operation of a batch is one request.
 */
@Injectable()
export class GraphqlRateLimiter {
  private readonly numbers: LimitNumbers;
  private readonly ipv6Prefix: number;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly tokens: AccessTokenService,
  ) {
    const list = Array.isArray(options) ? options : options.throttlers;
    const limit = list.find((t) => (t.name ?? 'default') === 'default');
    if (!limit) throw new Error('The GraphQL rate limit needs a "default" throttler');
    this.numbers = limitNumbers('default', limit.limit, limit.ttl, limit.blockDuration);
    this.ipv6Prefix =
      (Array.isArray(options) ? undefined : options.ipv6SubnetPrefix) ?? DEFAULT_IPV6_SUBNET_PREFIX;
  }

  /** Counts `hits` requests; sets X-RateLimit-* on the reply, or throws 429 RATE_LIMIT_EXCEEDED. */
  count(request: FastifyRequest, reply: FastifyReply, hits = 1): void | Promise<void> {
    const key = `graphql:${trackerOf(this.userIdOf(request), request.ip, this.ipv6Prefix)}`;
    const answer = (record: StorageRecord): void => {
      reply.headers(headersOrRefusal(record, this.numbers.limit));
    };
    const record = countHits(this.storage, key, 'default', this.numbers, hits);
    return record instanceof Promise ? record.then(answer) : answer(record);
  }

  private userIdOf(request: FastifyRequest): string | undefined {
    return this.tokens.callerOf(request)?.id;
  }
}
