import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ConsentPurpose } from './consent-purposes.js';

/** One row of the history: a grant or a withdrawal, as it was given. */
export interface ConsentRecord {
  purpose: ConsentPurpose;
  granted: boolean;
  policyVersion: string;
  ip: string | null;
  userAgent: string | null;
}

export interface ConsentRow extends ConsentRecord {
  id: string;
  createdAt: Date;
}

// `id` is a bigint read as text; ORDER BY names `consents.id` so the number orders, not the text.
const COLUMNS = `consents.id::text AS id, purpose, granted, policy_version AS "policyVersion", ip,
  user_agent AS "userAgent", created_at AS "createdAt"`;

/** `consents` is append-only in the code: each grant or withdrawal is a new row. */
@Injectable()
export class ConsentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inside the caller's transaction when `tx` is given (the registration that creates the user). */
  async append(
    userId: string,
    records: ConsentRecord[],
    tx?: EntityManager,
  ): Promise<ConsentRow[]> {
    if (records.length === 0) return [];
    return (tx ?? this.db.manager).query(
      `INSERT INTO consents (user_id, purpose, granted, policy_version, ip, user_agent)
       SELECT $1, * FROM unnest($2::text[], $3::boolean[], $4::text[], $5::text[], $6::text[])
       RETURNING ${COLUMNS}`,
      [
        userId,
        records.map((r) => r.purpose),
        records.map((r) => r.granted),
        records.map((r) => r.policyVersion),
        records.map((r) => r.ip),
        records.map((r) => r.userAgent),
      ],
    );
  }

  /** The latest row of each purpose the user ever answered. */
  latest(userId: string): Promise<ConsentRow[]> {
    return this.db.query(
      `SELECT DISTINCT ON (purpose) ${COLUMNS} FROM consents
       WHERE user_id = $1 ORDER BY purpose, consents.id DESC`,
      [userId],
    );
  }

  /** Keeps the answers (purpose, granted, policy version, time), drops where they came from. */
  async forgetOrigin(userId: string): Promise<void> {
    await this.db.query('UPDATE consents SET ip = NULL, user_agent = NULL WHERE user_id = $1', [
      userId,
    ]);
  }

  /** The history in the order it was given, one keyset page after row `afterId`. */
  history(userId: string, afterId: string | null, limit: number): Promise<ConsentRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM consents
       WHERE user_id = $1 AND ($2::bigint IS NULL OR consents.id > $2::bigint)
       ORDER BY consents.id LIMIT $3`,
      [userId, afterId, limit],
    );
  }
}
