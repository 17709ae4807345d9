import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance } from 'fastify';
import { httpConfig } from '../../config/http.config.js';
import { LogWebhookHandler } from './log-webhook.handler.js';
import { registerRawBodyRoutes } from './raw-body.js';
import { WebhookEventEntity } from './webhook-event.entity.js';
import { WebhookEventsRepository } from './webhook-events.repository.js';
import { WebhookHandlers } from './webhook-handlers.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';
import { WebhooksWorker } from './webhooks.worker.js';

/**
 * Standard Webhooks receiver: `POST /webhooks/:source` verified on the raw body, stored once
 * per webhook-id, processed once in a job by the handlers other modules declare with
 * `@WebhookHandlerFor(source)`.
 */
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([WebhookEventEntity])],
  controllers: [WebhooksController],
  providers: [
    WebhookEventsRepository,
    WebhookHandlers,
    WebhooksService,
    WebhooksWorker,
    LogWebhookHandler,
    makeCounterProvider({
      name: 'webhooks_received_total',
      help: 'Webhook deliveries, by source and outcome (accepted, duplicate, rejected)',
      labelNames: ['source', 'outcome'],
    }),
  ],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  onModuleInit(): void {
    // Absent in an application context without HTTP (the CLI).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerRawBodyRoutes(fastify, this.http.bodyLimitBytes);
  }
}
