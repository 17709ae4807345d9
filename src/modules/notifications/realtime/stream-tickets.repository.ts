import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthUser } from '../../../core/auth/auth-user.js';

/** `notification_stream_tickets`: hashed, expiring, deleted when used. */
@Injectable()
export class StreamTicketsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a ticket (and clears expired ones, which the index makes cheap). */
  async insert(hash: Buffer, user: AuthUser, ttlSeconds: number): Promise<Date> {
    const [row] = (await this.db.query(
      `WITH swept AS (DELETE FROM notification_stream_tickets WHERE expires_at < now())
       INSERT INTO notification_stream_tickets (token_hash, user_id, session_id, roles, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       RETURNING expires_at AS "expiresAt"`,
      [hash, user.id, user.sessionId ?? null, user.roles, ttlSeconds],
    )) as Array<{ expiresAt: Date }>;
    return row.expiresAt;
  }

  /** Takes the ticket if it exists and has not expired: one statement, so only once. */
  async consume(hash: Buffer): Promise<AuthUser | undefined> {
    const rows = (await this.db.query(
      `DELETE FROM notification_stream_tickets WHERE token_hash = $1
       RETURNING user_id AS "id", session_id AS "sessionId", roles, expires_at > now() AS live`,
      [hash],
    )) as [Array<{ id: string; sessionId: string | null; roles: string[]; live: boolean }>, number];
    const row = rows[0]?.[0];
    if (!row?.live) return undefined;
    return { id: row.id, roles: row.roles, ...(row.sessionId ? { sessionId: row.sessionId } : {}) };
  }
}
