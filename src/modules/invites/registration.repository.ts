import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppException } from '../../core/errors/app.exception.js';
import { type ConsentRecord, ConsentsRepository } from '../consents/consents.repository.js';
import { InvitesRepository } from './invites.repository.js';

export interface NewAccount {
  email: string;
  username?: string;
  passwordHash: string;
}

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
  ): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING id`,
        [account.email, account.username ?? null, account.passwordHash],
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
      return userId;
    });
  }
}
