import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { createPostgresBackend, setDefaultBackendFactory } from 'bullmq';
import { queueConfig } from '../../config/queue.config.js';
import { DATABASE_URL, DatabaseUrlModule } from '../database/database-url.provider.js';
import { JobsController } from './jobs.controller.js';
import { JobsResolver } from './jobs.resolver.js';
import { JobsService } from './jobs.service.js';
import { queueConnection } from './queue-connection.js';
import { QUEUE_NAMES } from './queue-names.js';
import { migrateQueueSchema } from './queue-schema.js';
import { WorkerRunner } from './worker-runner.js';

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      imports: [DatabaseUrlModule],
      inject: [queueConfig.KEY, DATABASE_URL],
      useFactory: async (config: ConfigType<typeof queueConfig>, databaseUrl: string) => {
        // The backend is process-wide in BullMQ; set it before any queue or worker exists.
        setDefaultBackendFactory(config.redisUrl ? undefined : createPostgresBackend);
        if (!config.redisUrl) await migrateQueueSchema(databaseUrl);
        return {
          connection: queueConnection(config, databaseUrl),
          prefix: config.prefix,
          defaultJobOptions: {
            attempts: config.attempts,
            backoff: { type: 'exponential', delay: config.backoffMs },
            removeOnComplete: { age: 86_400, count: 10_000 },
            removeOnFail: { age: config.keepFailedSeconds },
          },
        };
      },
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  controllers: [JobsController],
  providers: [JobsService, JobsResolver, WorkerRunner],
  exports: [BullModule, JobsService],
})
export class QueueModule {}
