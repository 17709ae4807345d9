import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notificationsConfig } from '../../config/notifications.config.js';
import type { AccessRevocationsService } from '../auth/access-revocations.service.js';
import type { AccessTokenService } from '../auth/access-token.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { bearerToken } from '../auth/bearer-token.js';

/** What a subscription resolver needs of the `ws` socket (the package ships no types). */
export interface GraphqlWsSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'close', listener: () => void): this;
  off(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
}

/** The context of a resolver run over graphql-ws (Mercurius' subscription context). */
export interface GraphqlWsContext {
  socket: GraphqlWsSocket;
  request: FastifyRequest;
  /** The caller authenticated in `connection_init`. */
  wsUser: AuthUser;
}

interface WebSocketServerLike {
  options: { maxPayload?: number };
}

/** graphql-transport-ws: 4408 when no connection_init arrives in time. */
export const INIT_TIMEOUT_CLOSE = 4408;

/**
 * Mercurius' `subscription` option: graphql-ws (graphql-transport-ws) on /graphql. The access
 * token travels in `connection_init` ({ authorization: 'Bearer …' }); anything else is refused
 * with connection_error and a close. Mercurius then copies that payload into the request
 * headers, so resolvers see the token as over HTTP and the auth guard applies unchanged.
 */
export function graphqlSubscriptionOptions(
  tokens: AccessTokenService,
  revocations: AccessRevocationsService,
  keepAliveMs: number,
) {
  return {
    keepAlive: keepAliveMs,
    onConnect: ({ payload }: { payload: unknown }): { wsUser: AuthUser } | false => {
      const authorization =
        typeof payload === 'object' && payload !== null
          ? (payload as Record<string, unknown>).authorization
          : undefined;
      if (typeof authorization !== 'string') return false;
      const token = bearerToken({ headers: { authorization } });
      const user = token ? tokens.verify(token) : undefined;
      if (!user || revocations.isRevoked(user)) return false;
      return { wsUser: user };
    },
    context: (socket: GraphqlWsSocket) => ({ socket }),
  };
}

const isConnectionInit = (data: Buffer): boolean => {
  try {
    return (JSON.parse(data.toString('utf8')) as { type?: unknown }).type === 'connection_init';
  } catch {
    return false;
  }
};

type WsHandler = (this: unknown, socket: GraphqlWsSocket, request: FastifyRequest) => unknown;

/**
 * What Mercurius does not offer on its WebSocket server: a message size bound (maxPayload,
 * 1 MiB otherwise) and a connection_init wait timeout. Mercurius registers its route and
 * server inside its own plugin, so both are reached through the route as it is declared
 * (hence the constructor: before the GraphQL module registers Mercurius).
 */
@Injectable()
export class GraphqlWsLimits {
  constructor(
    adapterHost: HttpAdapterHost,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
  ) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const awaitInit = (socket: GraphqlWsSocket): void => this.awaitInit(socket);
    const maxPayload = config.stream.maxMessageBytes;
    fastify.addHook('onRoute', function (this: unknown, route) {
      const options = route as unknown as { wsHandler?: WsHandler };
      const handler = options.wsHandler;
      if (!handler) return;
      const server = (this as { websocketServer?: WebSocketServerLike }).websocketServer;
      if (server) server.options.maxPayload = maxPayload;
      options.wsHandler = function (this: unknown, socket, request) {
        awaitInit(socket);
        return handler.call(this, socket, request);
      };
    });
  }

  /** Closes the socket with 4408 unless connection_init arrives within initTimeoutMs. */
  private awaitInit(socket: GraphqlWsSocket): void {
    const timer = setTimeout(
      () => socket.close(INIT_TIMEOUT_CLOSE, 'Connection initialisation timeout'),
      this.config.stream.initTimeoutMs,
    );
    const onMessage = (data: Buffer): void => {
      if (!isConnectionInit(data)) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
    };
    socket.on('message', onMessage);
    socket.on('close', () => clearTimeout(timer));
  }
}
