import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export type UserTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/** Single-use account tokens, stored as SHA-256 hashes only. */
@Injectable()
export class UserTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a new token; the user's older unused tokens of that purpose stop working. */
  async issue(
    userId: string,
    purpose: UserTokenPurpose,
    tokenHash: string,
    expiresAt: Date,
    newEmail?: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        'DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL',
        [userId, purpose],
      );
      await tx.query(
        `INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at, new_email)
         VALUES ($1, $2, $3, $4, $5)`,
        [userId, purpose, tokenHash, expiresAt, newEmail ?? null],
      );
    });
  }

  /** The user a token belongs to, while it is unused, unexpired and its user not deleted. */
  async findUsable(tokenHash: string, purpose: UserTokenPurpose): Promise<string | undefined> {
    const rows: Array<{ user_id: string }> = await this.db.query(
      `SELECT t.user_id FROM user_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
         AND t.expires_at > now() AND u.deleted_at IS NULL`,
      [tokenHash, purpose],
    );
    return rows[0]?.user_id;
  }

  /**
   * Marks the token used and runs `apply` for its user in the same transaction; returns the
   * user id, or undefined (nothing written) when the token is unknown, used or expired, or,
   * with `forUser`, issued to another user (it then stays usable for its own).
   */
  async consume(
    tokenHash: string,
    purpose: UserTokenPurpose,
    apply: (userId: string, tx: EntityManager, token: { newEmail: string | null }) => Promise<void>,
    forUser?: string,
  ): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      // An UPDATE answers [rows, affected count] through the postgres driver.
      const [rows]: [Array<{ user_id: string; new_email: string | null }>, number] = await tx.query(
        `UPDATE user_tokens t SET used_at = now()
         FROM users u
         WHERE u.id = t.user_id AND u.deleted_at IS NULL
           AND t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now()
           AND ($3::uuid IS NULL OR t.user_id = $3::uuid)
         RETURNING t.user_id, t.new_email`,
        [tokenHash, purpose, forUser ?? null],
      );
      const userId = rows[0]?.user_id;
      if (!userId) return undefined;
      await apply(userId, tx, { newEmail: rows[0]?.new_email ?? null });
      return userId;
    });
  }
}
