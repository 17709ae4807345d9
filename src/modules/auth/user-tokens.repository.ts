import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { UserTokenEntity, type UserTokenPurpose } from './user-token.entity.js';
import { UserEntity } from './user.entity.js';

export type { UserTokenPurpose };

// Tokens of deleted users never work.
const LIVE_USER = 'user_id IN (SELECT id FROM users WHERE deleted_at IS NULL)';

/** Single-use account tokens, stored as SHA-256 hashes only. */
@Injectable()
export class UserTokensRepository {
  constructor(
    @InjectRepository(UserTokenEntity) private readonly tokens: Repository<UserTokenEntity>,
  ) {}

  /** Stores a new token; the user's older unused tokens of that purpose stop working. */
  async issue(
    userId: string,
    purpose: UserTokenPurpose,
    tokenHash: string,
    expiresAt: Date,
    newEmail?: string,
  ): Promise<void> {
    await this.tokens.manager.transaction(async (tx) => {
      await tx.delete(UserTokenEntity, { userId, purpose, usedAt: IsNull() });
      await tx.insert(UserTokenEntity, {
        userId,
        purpose,
        tokenHash,
        expiresAt,
        newEmail: newEmail ?? null,
      });
    });
  }

  /** The user a token belongs to, while it is unused, unexpired and its user not deleted. */
  async findUsable(tokenHash: string, purpose: UserTokenPurpose): Promise<string | undefined> {
    const row = await this.tokens
      .createQueryBuilder('t')
      .select('t.userId', 'userId')
      .innerJoin(UserEntity, 'u', 'u.id = t.userId AND u.deletedAt IS NULL')
      .where('t.tokenHash = :tokenHash AND t.purpose = :purpose', { tokenHash, purpose })
      .andWhere('t.usedAt IS NULL AND t.expiresAt > now()')
      .getRawOne<{ userId: string }>();
    return row?.userId;
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
    return this.tokens.manager.transaction(async (tx) => {
      const update = tx
        .createQueryBuilder()
        .update(UserTokenEntity)
        .set({ usedAt: () => 'now()' })
        .where('token_hash = :tokenHash AND purpose = :purpose', { tokenHash, purpose })
        .andWhere('used_at IS NULL AND expires_at > now()')
        .andWhere(LIVE_USER)
        .returning('user_id, new_email');
      if (forUser) update.andWhere('user_id = :forUser', { forUser });
      const { raw } = await update.execute();
      const row = (raw as Array<{ user_id: string; new_email: string | null }>)[0];
      if (!row) return undefined;
      await apply(row.user_id, tx, { newEmail: row.new_email });
      return row.user_id;
    });
  }

  /** Deletes up to `limit` tokens that can never work again: used or expired. */
  async purgeSpent(limit: number): Promise<number> {
    const [, count]: [unknown[], number] = await this.tokens.query(
      `DELETE FROM user_tokens WHERE id IN (
         SELECT id FROM user_tokens WHERE used_at IS NOT NULL OR expires_at <= now() LIMIT $1)`,
      [limit],
    );
    return count;
  }
}
