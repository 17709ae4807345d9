import { Controller, Headers, HttpCode, Param, Post, RawBody, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../core/auth/public.decorator.js';
import { WebhookAcceptedDto } from './dto/webhook-accepted.dto.js';
import { RawBodyRoute } from './raw-body.js';
import { WebhooksService } from './webhooks.service.js';

/** Public: the Standard Webhooks signature is the authentication. REST only (no GraphQL twin). */
@ApiTags('webhooks')
@Public()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':source')
  @HttpCode(202)
  @RawBodyRoute()
  @ApiOperation({
    summary: 'Receive a Standard Webhooks delivery from a configured source (WEBHOOK_SOURCES)',
    description:
      'Verified on the raw body: HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" with ' +
      "one of the source's secrets, timestamp within WEBHOOK_TOLERANCE_SECONDS. Any content " +
      'type; the body is stored as sent and processed once, in a job. A replayed webhook-id ' +
      'answers 200 with the same id and is not processed again.',
  })
  @ApiHeader({ name: 'webhook-id', required: true })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'unix seconds' })
  @ApiHeader({ name: 'webhook-signature', required: true, description: 'v1,<base64> ...' })
  @ApiConsumes('application/json', '*/*')
  @ApiBody({ required: false, schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: WebhookAcceptedDto, description: 'stored and queued' })
  @ApiOkResponse({ type: WebhookAcceptedDto, description: 'a replay of a stored delivery' })
  @ApiBadRequestResponse({ description: 'WEBHOOK_SIGNATURE_INVALID: missing or bad headers' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: the source is not configured' })
  async receive(
    @Param('source') source: string,
    @Headers('webhook-id') id: string | undefined,
    @Headers('webhook-timestamp') timestamp: string | undefined,
    @Headers('webhook-signature') signature: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @RawBody() body: Buffer | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookAcceptedDto> {
    const result = await this.webhooks.receive({
      source,
      headers: { id, timestamp, signature },
      body,
      contentType,
    });
    reply.status(result.duplicate ? 200 : 202);
    return { id: result.id };
  }
}
