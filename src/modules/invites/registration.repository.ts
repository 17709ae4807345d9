import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppException } from '../../core/errors/app.exception.js';
import { type ConsentRecord, ConsentsRepository } from '../consents/consents.repository.js';
import { InvitesRepository } from './invites.repository.js';

export interface NewAccount {
  email: string;
  username?: string;
  /** Null for an account made by an OpenID sign-in: it has no password until one is reset. */
  passwordHash: string | null;
  /** The e-mail counts as verified from the start (a trusted provider vouched for it). */
  emailVerified?: boolean;
}

/** More rows of the new account, written in its transaction (e.g. its OpenID identity). */
export type AccountExtras = (tx: EntityManager, userId: string) => Promise<void>;

export const inviteInvalid = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The invite is invalid, expired or already used', {
    errors: [{ field: 'inviteToken', message: 'is invalid, expired or already used' }],
  });

/**
 * Creates a registering account in one transaction with what comes with it: the `user` role,
 * the consumed invite and its role, the consents given. Any failure writes nothing. Raw SQL
 * like ensureAdminAccount (users.repository.ts), whose insert this mirrors.
 */
@Injectable()
export class RegistrationRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly invites: InvitesRepository,
    private readonly consents: ConsentsRepository,
  ) {}

  /** The new user's id; undefined when the email or username is taken (nothing written). */
  createAccount(
    account: NewAccount,
    inviteId: string | undefined,
    consents: ConsentRecord[],
    extras?: AccountExtras,
  ): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO users (email, username, password_hash, email_verified_at)
         VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END)
         ON CONFLICT DO NOTHING RETURNING id`,
        [account.email, account.username ?? null, account.passwordHash, !!account.emailVerified],
      );
      const userId = inserted[0]?.id;
      if (!userId) return undefined;
      const roleIds: string[] = [];
      if (inviteId) {
        const consumed = await this.invites.consume(inviteId, userId, tx);
        if (!consumed) throw inviteInvalid(); // used or expired meanwhile: roll the account back
        if (consumed.roleId) roleIds.push(consumed.roleId);
      }
      await tx.query(
        `INSERT INTO user_roles (user_id, role_id)
         SELECT $1, id FROM roles WHERE name = 'user' OR id = ANY($2::uuid[])
         ON CONFLICT DO NOTHING`,
        [userId, roleIds],
      );
      await this.consents.append(userId, consents, tx);
      await extras?.(tx, userId);
      return userId;
    });
  }
}
