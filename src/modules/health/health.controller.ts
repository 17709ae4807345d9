import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
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
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
      example: { status: 'ok' },
    },
  })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: database, queue backend, disk and heap; 503 when shutting down',
  })
  @ApiOkResponse({
    description: 'Ready',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', example: 'ok' } },
      additionalProperties: true,
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'Not ready (a check failed, or shutting down)',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', example: 'error' } },
      additionalProperties: true,
    },
  })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { httpStatus, body } = await this.health.readiness();
    reply.status(httpStatus);
    return body;
  }

  @Permissions('health.details')
  @Get('health/details')
  @ApiOperation({ summary: 'Admin: every check with latency, pool stats, uptime and version' })
  @ApiOkResponse({
    description: 'Every check with its latency, pool stats, uptime and version',
    schema: { type: 'object', additionalProperties: true },
  })
  details(): Promise<Record<string, unknown>> {
    return this.health.details();
  }
}
