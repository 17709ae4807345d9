import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { idempotencyConfig } from '../../config/idempotency.config.js';
import { IdempotencyHooks } from './idempotency.hooks.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';

/** Idempotency-Key for POST routes and GraphQL mutations (see IdempotencyHooks). */
@Module({
  imports: [ConfigModule.forFeature(idempotencyConfig)],
  providers: [IdempotencyRepository, IdempotencyService, IdempotencyHooks],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
