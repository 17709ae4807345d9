import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { notificationsConfig } from '../../../config/notifications.config.js';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { StreamTicketsRepository } from './stream-tickets.repository.js';
import type { StreamTicketDto } from './stream-ticket.dto.js';

const TICKET = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (ticket: string): Buffer => createHash('sha256').update(ticket).digest();

/**
 * Tickets open a stream where the client cannot send an Authorization header (EventSource):
 * 256 random bits, valid ticketTtlSeconds, once, on any instance.
 */
@Injectable()
export class StreamTicketsService {
  constructor(
    private readonly tickets: StreamTicketsRepository,
    @Inject(notificationsConfig.KEY)
    private readonly config: ConfigType<typeof notificationsConfig>,
  ) {}

  async create(actor: AuthUser): Promise<StreamTicketDto> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = await this.tickets.insert(
      hashOf(ticket),
      actor,
      this.config.stream.ticketTtlSeconds,
    );
    return { ticket, expiresAt };
  }

  /** The ticket's user, or undefined for an unknown, used or expired ticket. */
  async consume(ticket: string): Promise<AuthUser | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    return this.tickets.consume(hashOf(ticket));
  }
}
