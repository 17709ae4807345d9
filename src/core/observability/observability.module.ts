import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { collectDefaultMetrics, register } from 'prom-client';
import { observabilityConfig } from '../../config/observability.config.js';
import { loggerOptions } from './logger.options.js';
import { MetricsController } from './metrics.controller.js';

// Default process metrics, registered once per process (tests boot several apps). Three of
// them are gauges named *_total, which Prometheus' own linter (promtool) rejects; the same
// numbers stay available without the suffix (nodejs_active_handles, ...).
if (!register.getSingleMetric('process_cpu_user_seconds_total')) {
  collectDefaultMetrics();
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    register.removeSingleMetric(name);
  }
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [observabilityConfig.KEY],
      useFactory: (config: ConfigType<typeof observabilityConfig>) =>
        loggerOptions({
          service: config.service,
          env: config.env,
          level: config.logLevel,
          pretty: config.logPretty,
        }),
    }),
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: false },
    }),
  ],
})
export class ObservabilityModule {}
