import { Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Args, Context, Mutation, Resolver, Subscription } from '@nestjs/graphql';
import { notificationsConfig } from '../../../config/notifications.config.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { CurrentUser } from '../../../core/auth/current-user.decorator.js';
import type { GraphqlWsContext } from '../../../core/graphql/graphql-ws.js';
import { NotificationDto } from '../dto/notification.dto.js';
import { NotificationStreamArgs } from '../dto/notifications.inputs.js';
import { GraphqlWsClient, WS_CLOSE } from './graphql-ws-client.js';
import { RealtimeHub } from './realtime-hub.js';
import { overLimit, slowClientBytes } from './sse-streams.service.js';
import { StreamTicketDto } from './stream-ticket.dto.js';
import { StreamTicketsService } from './stream-tickets.service.js';

const MAX_QUEUED = 100;

@Resolver()
export class NotificationStreamResolver {
  constructor(
    private readonly hub: RealtimeHub,
    private readonly tickets: StreamTicketsService,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
  ) {}

  @Subscription(() => NotificationDto, {
    description: 'My notifications as they arrive (graphql-ws; token in connection_init)',
    resolve: (notification: NotificationDto) => notification,
  })
  notificationAdded(
    @CurrentUser() actor: AuthUser,
    @Args() args: NotificationStreamArgs,
    @Context() context: GraphqlWsContext,
  ): AsyncIterableIterator<NotificationDto> {
    const client = new GraphqlWsClient(
      actor,
      context.request.ip,
      args.type,
      context.socket,
      {
        maxBufferedBytes: slowClientBytes(this.config.stream.maxMessageBytes),
        maxQueued: MAX_QUEUED,
      },
      (closed) => this.hub.remove(closed),
    );
    if (!this.hub.admit(client)) {
      context.socket.close(WS_CLOSE.over_limit, 'Too many notification streams');
      throw overLimit();
    }
    return client;
  }

  @Mutation(() => StreamTicketDto, {
    description: 'A single-use ticket for GET /notifications/stream?ticket= (EventSource)',
  })
  createNotificationStreamTicket(@CurrentUser() actor: AuthUser): Promise<StreamTicketDto> {
    return this.tickets.create(actor);
  }
}
