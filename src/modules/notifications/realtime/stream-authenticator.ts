import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessRevocationsService } from '../../../core/auth/access-revocations.service.js';
import { AccessTokenService } from '../../../core/auth/access-token.service.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { bearerToken } from '../../../core/auth/bearer-token.js';
import { AppException } from '../../../core/errors/app.exception.js';
import { StreamTicketsService } from './stream-tickets.service.js';

/** Who opens an SSE stream: the access token in the header, else a single-use ticket. */
@Injectable()
export class StreamAuthenticator {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly revocations: AccessRevocationsService,
    private readonly tickets: StreamTicketsService,
  ) {}

  async authenticate(request: FastifyRequest, ticket: string | undefined): Promise<AuthUser> {
    const token = bearerToken(request);
    let user: AuthUser | undefined;
    if (token) user = this.tokens.verify(token);
    else if (ticket) user = await this.tickets.consume(ticket);
    if (!user || this.revocations.isRevoked(user)) {
      throw new AppException(
        'UNAUTHENTICATED',
        'A valid access token (Authorization header) or stream ticket is required',
      );
    }
    return user;
  }
}
