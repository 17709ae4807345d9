import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import { Public } from '../../../core/auth/public.decorator.js';
import { SseStreamsService } from './sse-streams.service.js';
import { StreamAuthenticator } from './stream-authenticator.js';
import { StreamQuery, StreamTicketDto } from './stream-ticket.dto.js';
import { StreamTicketsService } from './stream-tickets.service.js';
import { ApiErrors, ApiOptionalBearer } from '../../../core/http/openapi-decorators.js';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications/stream')
export class NotificationStreamController {
  constructor(
    private readonly auth: StreamAuthenticator,
    private readonly streams: SseStreamsService,
    private readonly tickets: StreamTicketsService,
  ) {}

  // Public to the guard only: the header token or a ticket is checked here.
  @Public()
  @Get()
  @ApiOperation({
    summary: 'My notifications as Server-Sent Events (event: notification, id, data)',
    description:
      'Authorization header, or ?ticket=. Last-Event-ID replays what was missed, or sends ' +
      '`event: resync` (refetch the list). `: ping` heartbeats; closed with a retry hint when idle.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The stream' })
  @ApiErrors('UNAUTHENTICATED')
  @ApiOptionalBearer()
  async stream(
    @Query() query: StreamQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const user = await this.auth.authenticate(request, query.ticket);
    await this.streams.open(user, request, reply, query.type);
  }

  @Post('tickets')
  @HttpCode(201)
  @ApiOperation({ summary: 'A single-use ticket to open the stream without a header' })
  @ApiCreatedResponse({ type: StreamTicketDto })
  createTicket(@CurrentUser() actor: AuthUser): Promise<StreamTicketDto> {
    return this.tickets.create(actor);
  }
}
