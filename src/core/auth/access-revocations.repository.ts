import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type RevocationKind = 'session' | 'user';

/** What one NOTIFY on REVOCATIONS_CHANNEL carries. */
export interface RevocationMessage {
  op: 'revoke' | 'restore';
  kind: RevocationKind;
  ids: string[];
  /** Epoch milliseconds; absent for `restore`. */
  expiresAt?: number;
}

export const REVOCATIONS_CHANNEL = 'access_revocations';
// NOTIFY payloads are limited to 8 000 bytes: about 150 UUIDs with the JSON around them.
const IDS_PER_MESSAGE = 150;

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) out.push(ids.slice(i, i + IDS_PER_MESSAGE));
  return out;
}

/** The `access_revocations` table, and the notification every instance listens to. */
@Injectable()
export class AccessRevocationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores the revocations and tells every instance, in one statement per chunk. */
  async revoke(kind: RevocationKind, ids: string[], expiresAt: Date): Promise<void> {
    for (const part of chunks(ids)) {
      const message: RevocationMessage = {
        op: 'revoke',
        kind,
        ids: part,
        expiresAt: expiresAt.getTime(),
      };
      // A data-modifying WITH runs whether or not the outer query reads it.
      await this.db.query(
        `WITH stored AS (
           INSERT INTO access_revocations (kind, subject, expires_at)
           SELECT $1, unnest($2::uuid[]), $3
           ON CONFLICT (kind, subject)
           DO UPDATE SET expires_at = GREATEST(access_revocations.expires_at, EXCLUDED.expires_at)
         ) SELECT pg_notify($4, $5)`,
        [kind, part, expiresAt, REVOCATIONS_CHANNEL, JSON.stringify(message)],
      );
    }
  }

  async restore(kind: RevocationKind, ids: string[]): Promise<void> {
    for (const part of chunks(ids)) {
      const message: RevocationMessage = { op: 'restore', kind, ids: part };
      await this.db.query(
        `WITH removed AS (
           DELETE FROM access_revocations WHERE kind = $1 AND subject = ANY($2::uuid[])
         ) SELECT pg_notify($3, $4)`,
        [kind, part, REVOCATIONS_CHANNEL, JSON.stringify(message)],
      );
    }
  }

  async live(): Promise<Array<{ kind: RevocationKind; subject: string; expiresAt: Date }>> {
    return this.db.query(
      `SELECT kind, subject::text AS subject, expires_at AS "expiresAt"
       FROM access_revocations WHERE expires_at > now()`,
    );
  }

  async deleteExpired(): Promise<void> {
    await this.db.query('DELETE FROM access_revocations WHERE expires_at <= now()');
  }
}
