import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../core/auth/public.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { NoRateLimit } from '../../core/rate-limit/rate-limit.decorator.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@NoRateLimit()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness: 200 while the process can serve; checks nothing else' })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: database, queue backend, disk and heap; 503 when shutting down',
  })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { httpStatus, body } = await this.health.readiness();
    reply.status(httpStatus);
    return body;
  }

  @Permissions('health.details')
  @Get('health/details')
  @ApiOperation({ summary: 'Admin: every check with latency, pool stats, uptime and version' })
  details(): Promise<Record<string, unknown>> {
    return this.health.details();
  }
}
