import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** One row's identity: the caller, the route and the client's key. */
export interface IdempotencyRowKey {
  scope: string;
  route: string;
  key: string;
}

export interface IdempotencyRow {
  fingerprint: string;
  completed: boolean;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: Buffer | null;
}

/** Expired rows removed by each claim: more than expire per claim, so the table stays small. */
const SWEEP_BATCH = 100;

/** The `idempotency_keys` table: atomic claims, stored answers, releases. */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims the key for `owner` in one statement: inserts the row, or takes over one that has
   * expired or whose claim is older than `staleAfterSeconds` (its instance died). Of concurrent
   * claims exactly one wins (the primary key decides). The same statement deletes a batch of
   * other expired rows, skipping any another claim is deleting. True when `owner` holds the key.
   */
  async claim(
    row: IdempotencyRowKey & { fingerprint: string; owner: string },
    ttlHours: number,
    staleAfterSeconds: number,
  ): Promise<boolean> {
    const claimed: unknown[] = await this.db.query(
      `WITH swept AS (
         DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM idempotency_keys
           WHERE expires_at <= now() AND (scope, route, key) <> ($1, $2, $3)
           LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED))
       )
       INSERT INTO idempotency_keys AS k (scope, route, key, fingerprint, owner, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6::int))
       ON CONFLICT (scope, route, key) DO UPDATE SET
         fingerprint = EXCLUDED.fingerprint, owner = EXCLUDED.owner, created_at = now(),
         expires_at = EXCLUDED.expires_at, completed_at = NULL, response_status = NULL,
         response_headers = NULL, response_body = NULL
       WHERE k.expires_at <= now()
          OR (k.completed_at IS NULL AND k.created_at <= now() - make_interval(secs => $7::int))
       RETURNING 1`,
      [row.scope, row.route, row.key, row.fingerprint, row.owner, ttlHours, staleAfterSeconds],
    );
    return claimed.length === 1;
  }

  /** The live row for a key, claimed or completed; undefined once expired or released. */
  async get(row: IdempotencyRowKey): Promise<IdempotencyRow | undefined> {
    const rows: Array<{
      fingerprint: string;
      completed: boolean;
      response_status: number | null;
      response_headers: Record<string, string> | null;
      response_body: Buffer | null;
    }> = await this.db.query(
      `SELECT fingerprint, completed_at IS NOT NULL AS completed, response_status,
         response_headers, response_body
       FROM idempotency_keys
       WHERE scope = $1 AND route = $2 AND key = $3 AND expires_at > now()`,
      [row.scope, row.route, row.key],
    );
    const found = rows[0];
    if (!found) return undefined;
    return {
      fingerprint: found.fingerprint,
      completed: found.completed,
      responseStatus: found.response_status,
      responseHeaders: found.response_headers,
      responseBody: found.response_body,
    };
  }

  /** Stores the answer of the request that holds the claim. False when the claim was lost. */
  async complete(
    row: IdempotencyRowKey & { owner: string },
    response: { status: number; headers: Record<string, string>; body: Buffer },
  ): Promise<boolean> {
    const [, updated] = (await this.db.query(
      `UPDATE idempotency_keys
       SET response_status = $5, response_headers = $6, response_body = $7, completed_at = now()
       WHERE scope = $1 AND route = $2 AND key = $3 AND owner = $4 AND completed_at IS NULL`,
      [
        row.scope,
        row.route,
        row.key,
        row.owner,
        response.status,
        JSON.stringify(response.headers),
        response.body,
      ],
    )) as [unknown, number];
    return updated === 1;
  }

  /** Gives the key up (the request failed on the server): the client may send it again. */
  async release(row: IdempotencyRowKey & { owner: string }): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys
       WHERE scope = $1 AND route = $2 AND key = $3 AND owner = $4 AND completed_at IS NULL`,
      [row.scope, row.route, row.key, row.owner],
    );
  }

  /** Drops a stored answer that can no longer be read (SIGNING_SECRET changed). */
  async discard(row: IdempotencyRowKey): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys
       WHERE scope = $1 AND route = $2 AND key = $3 AND completed_at IS NOT NULL`,
      [row.scope, row.route, row.key],
    );
  }
}
