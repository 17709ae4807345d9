import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { allConfigs } from '../config/index.js';
import { AccessRevocationsRepository } from './auth/access-revocations.repository.js';
import { AccessRevocationsService } from './auth/access-revocations.service.js';
import { AccessTokenService } from './auth/access-token.service.js';
import { AuthGuard } from './auth/auth.guard.js';
import { PermissionsRepository } from './auth/permissions.repository.js';
import { PermissionsService } from './auth/permissions.service.js';
import { DatabaseModule } from './database/database.module.js';
import { EventBus } from './events/event-bus.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { ExportsModule } from './exports/exports.module.js';
import { AppGraphqlModule } from './graphql/graphql.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { ShutdownState } from './lifecycle/shutdown.state.js';
import { MailModule } from './mail/mail.module.js';
import { NotificationTypes } from './notifications/notification-types.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { QueueModule } from './queue/queue.module.js';
import { GqlThrottlerGuard } from './rate-limit/gql-throttler.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { ResilienceModule } from './resilience/resilience.module.js';
import { StatsSources } from './stats/stats-source.js';
import { createValidationPipe } from './validation/validation.pipe.js';

/**
 * Cross-cutting infrastructure, registered once. Guards run in this order: authentication
 * (so limits can be keyed by user), then rate limiting; then the validation pipe, the
 * handler, and the one exception filter.
 */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
    ObservabilityModule,
    DatabaseModule,
    QueueModule,
    ResilienceModule,
    MailModule,
    RateLimitModule,
    AppGraphqlModule,
    IdempotencyModule,
    ExportsModule,
  ],
  providers: [
    ShutdownState,
    AccessTokenService,
    AccessRevocationsRepository,
    AccessRevocationsService,
    PermissionsRepository,
    PermissionsService,
    EventBus,
    NotificationTypes,
    StatsSources,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: GqlThrottlerGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
  exports: [
    ShutdownState,
    AccessTokenService,
    AccessRevocationsService,
    PermissionsService,
    EventBus,
    NotificationTypes,
    StatsSources,
    DatabaseModule,
  ],
})
export class CoreModule {}
