import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { register } from 'prom-client';
import { timingSafeEqual } from 'node:crypto';
import { observabilityConfig } from '../../config/observability.config.js';
import { AppException } from '../errors/app.exception.js';
import { Public } from '../auth/public.decorator.js';
import { NoRateLimit } from '../rate-limit/rate-limit.decorator.js';

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Prometheus scrape endpoint; protected by a bearer token when METRICS_TOKEN is set. */
@ApiExcludeController()
@Public()
@NoRateLimit()
@Controller()
export class MetricsController {
  constructor(
    @Inject(observabilityConfig.KEY)
    private readonly config: ConfigType<typeof observabilityConfig>,
  ) {}

  @Get()
  @Header('content-type', register.contentType)
  async index(@Headers('authorization') authorization?: string): Promise<string> {
    if (!this.config.metricsEnabled) throw new AppException('NOT_FOUND', 'Metrics are disabled');
    const token = this.config.metricsToken;
    if (token && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
      throw new AppException('UNAUTHENTICATED', 'A valid metrics token is required');
    }
    return register.metrics();
  }
}
