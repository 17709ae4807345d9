import type { ArgumentsHost } from '@nestjs/common';
import { GqlArgumentsHost, type GqlContextType } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MercuriusContext } from 'mercurius';

export const isGraphql = (host: ArgumentsHost): boolean =>
  host.getType<GqlContextType>() === 'graphql';

/** The Fastify request and reply behind an HTTP route or a GraphQL resolver. */
export function getRequestResponse(host: ArgumentsHost): {
  req: FastifyRequest;
  res: FastifyReply;
} {
  if (isGraphql(host)) {
    const { reply } = GqlArgumentsHost.create(host).getContext<MercuriusContext>();
    return { req: reply.request, res: reply };
  }
  const http = host.switchToHttp();
  return { req: http.getRequest<FastifyRequest>(), res: http.getResponse<FastifyReply>() };
}

export const getRequest = (host: ArgumentsHost): FastifyRequest => getRequestResponse(host).req;
