import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { httpConfig } from '../../config/http.config.js';
import { queueConfig } from '../../config/queue.config.js';
import { GraphqlRateLimiter } from './graphql-rate-limiter.js';
import { LockoutStore } from './lockout/lockout.store.js';
import { MemoryLockoutStore } from './lockout/memory-lockout.store.js';
import { RedisLockoutStore } from './lockout/redis-lockout.store.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/**
 * Owns the stores behind the route limits and the login lockout (Redis when configured, one
 * client for both, else memory) and closes them.
 */
@Injectable()
export class RateLimitStorage implements OnApplicationShutdown {
  readonly store: RedisThrottlerStorage | MemoryThrottlerStorage;
  readonly lockouts: LockoutStore;

  constructor(@Inject(queueConfig.KEY) queue: ConfigType<typeof queueConfig>) {
    if (!queue.redisUrl) {
      this.store = new MemoryThrottlerStorage();
      this.lockouts = new MemoryLockoutStore();
      return;
    }
    // Offline: fail at once (the stores then fall back to memory), never queue commands until
    // Redis returns — a login would wait for each of its counters.
    const redis = new Redis(queue.redisUrl, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      enableOfflineQueue: false,
    });
    this.store = new RedisThrottlerStorage(redis);
    this.lockouts = new RedisLockoutStore(redis);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lockouts.close();
    await this.store.close();
  }
}

/** The stores, and the login lockout's port (LockoutStore) for the auth module. */
@Global()
@Module({
  providers: [
    RateLimitStorage,
    {
      provide: LockoutStore,
      inject: [RateLimitStorage],
      useFactory: (storage: RateLimitStorage) => storage.lockouts,
    },
  ],
  exports: [RateLimitStorage, LockoutStore],
})
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
