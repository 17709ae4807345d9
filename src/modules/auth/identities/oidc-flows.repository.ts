import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ConsentPurpose } from '../../consents/consent-purposes.js';

export interface OidcFlow {
  provider: string;
  codeVerifier: string;
  nonce: string;
  browserHash: string;
  linkUserId: string | null;
  inviteToken: string | null;
  consents: Array<{ purpose: ConsentPurpose; policyVersion: string }>;
}

export type TicketPurpose = 'exchange' | 'link';

export interface OidcTicket {
  userId: string;
  provider: string;
}

/**
 * Server-side state of OpenID sign-ins: started flows (by the hash of their `state`) and
 * one-time tickets (by the hash of their code). Both are consumed by DELETE ... RETURNING, so
 * a replay, on any instance, finds nothing; expired rows are removed as new ones are written.
 */
@Injectable()
export class OidcFlowsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async saveFlow(stateHash: string, flow: OidcFlow, ttlSeconds: number): Promise<void> {
    await this.db.query(
      `WITH expired AS (DELETE FROM oidc_flows WHERE expires_at < now())
       INSERT INTO oidc_flows (state_hash, provider, code_verifier, nonce, browser_hash,
         link_user_id, invite_token, consents, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
      [
        stateHash,
        flow.provider,
        flow.codeVerifier,
        flow.nonce,
        flow.browserHash,
        flow.linkUserId,
        flow.inviteToken,
        JSON.stringify(flow.consents),
        ttlSeconds,
      ],
    );
  }

  /** The flow of this state, once, while it is unexpired. */
  async takeFlow(stateHash: string): Promise<OidcFlow | undefined> {
    const [rows]: [OidcFlow[], number] = await this.db.query(
      `DELETE FROM oidc_flows WHERE state_hash = $1 AND expires_at > now()
       RETURNING provider, code_verifier AS "codeVerifier", nonce, browser_hash AS "browserHash",
         link_user_id AS "linkUserId", invite_token AS "inviteToken", consents`,
      [stateHash],
    );
    return rows[0];
  }

  async saveTicket(
    ticketHash: string,
    purpose: TicketPurpose,
    ticket: OidcTicket,
    ttlSeconds: number,
  ): Promise<void> {
    await this.db.query(
      `WITH expired AS (DELETE FROM oidc_tickets WHERE expires_at < now())
       INSERT INTO oidc_tickets (ticket_hash, purpose, user_id, provider, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [ticketHash, purpose, ticket.userId, ticket.provider, ttlSeconds],
    );
  }

  /** The ticket, without using it up (an exchange that still needs the one-time password). */
  async peekTicket(ticketHash: string, purpose: TicketPurpose): Promise<OidcTicket | undefined> {
    const rows: OidcTicket[] = await this.db.query(
      `SELECT user_id AS "userId", provider FROM oidc_tickets
       WHERE ticket_hash = $1 AND purpose = $2 AND expires_at > now()`,
      [ticketHash, purpose],
    );
    return rows[0];
  }

  /** The ticket, once, while it is unexpired. */
  async takeTicket(ticketHash: string, purpose: TicketPurpose): Promise<OidcTicket | undefined> {
    const [rows]: [OidcTicket[], number] = await this.db.query(
      `DELETE FROM oidc_tickets WHERE ticket_hash = $1 AND purpose = $2 AND expires_at > now()
       RETURNING user_id AS "userId", provider`,
      [ticketHash, purpose],
    );
    return rows[0];
  }
}
