import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { httpConfig } from '../../config/http.config.js';
import { queueConfig } from '../../config/queue.config.js';
import { GraphqlRateLimiter } from './graphql-rate-limiter.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** Owns the store behind the limits (Redis when configured, else memory) and closes it. */
@Injectable()
export class RateLimitStorage implements OnApplicationShutdown {
  readonly store: RedisThrottlerStorage | MemoryThrottlerStorage;

  constructor(@Inject(queueConfig.KEY) queue: ConfigType<typeof queueConfig>) {
    this.store = queue.redisUrl
      ? new RedisThrottlerStorage(
          // Offline: fail at once (the store then falls back), never queue commands until Redis
          // returns — a login would wait for each of its counters.
          new Redis(queue.redisUrl, {
            maxRetriesPerRequest: 1,
            connectTimeout: 2000,
            commandTimeout: 1000,
            enableOfflineQueue: false,
          }),
        )
      : new MemoryThrottlerStorage();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** The store itself, for services with their own counters (login lockout). */
@Global()
@Module({ providers: [RateLimitStorage], exports: [RateLimitStorage] })
export class RateLimitStorageModule {}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [httpConfig.KEY, RateLimitStorage],
      useFactory: (http: ConfigType<typeof httpConfig>, storage: RateLimitStorage) => ({
        throttlers: Object.entries(http.rateLimits).map(([name, { limit, ttl }]) => ({
          name,
          limit,
          ttl,
        })),
        storage: storage.store,
      }),
    }),
  ],
  providers: [GraphqlRateLimiter],
  exports: [GraphqlRateLimiter],
})
export class RateLimitModule {}
