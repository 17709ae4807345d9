import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { apiKeysConfig } from '../../config/api-keys.config.js';
import { ApiKeyAuthenticator } from '../../core/auth/auth.guard.js';
import { RateLimitStorageModule } from '../../core/rate-limit/rate-limit.module.js';
import { ApiKeyAuthenticatorService } from './api-key-authenticator.service.js';
import { ApiKeyCache } from './api-key-cache.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysResolver } from './api-keys.resolver.js';
import { ApiKeysService } from './api-keys.service.js';

/**
 * API keys for machine clients: lifecycle over REST and GraphQL, and the ApiKeyAuthenticator
 * the core AuthGuard uses for `nsk_…` credentials. Global so that the guard (CoreModule) can
 * inject the authenticator without the core depending on this module.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity]),
    ConfigModule.forFeature(apiKeysConfig),
    RateLimitStorageModule,
  ],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeyCache,
    ApiKeysService,
    ApiKeysResolver,
    ApiKeyAuthenticatorService,
    { provide: ApiKeyAuthenticator, useExisting: ApiKeyAuthenticatorService },
  ],
  exports: [ApiKeyAuthenticator],
})
export class ApiKeysModule {}
