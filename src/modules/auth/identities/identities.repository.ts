import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessRevocationsService } from '../../../core/auth/access-revocations.service.js';

/** What a provider said about the person signing in, as stored. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

export interface UserIdentity extends ProviderIdentity {
  id: string;
  userId: string;
  provider: string;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

/** A local account an OpenID sign-in's e-mail matches. */
export interface AccountByEmail {
  id: string;
  emailVerified: boolean;
  deleted: boolean;
}

const COLUMNS = `id, user_id AS "userId", provider, issuer, subject, email::text AS email,
  email_verified AS "emailVerified", linked_at AS "linkedAt", last_used_at AS "lastUsedAt"`;

/**
 * `user_identities` and the account changes that go with them (adoption, the last-sign-in-
 * method rule), each in one transaction. Raw SQL: these are multi-table statements.
 */
@Injectable()
export class IdentitiesRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly revocations: AccessRevocationsService,
  ) {}

  async findBySubject(issuer: string, subject: string): Promise<UserIdentity | undefined> {
    const rows: UserIdentity[] = await this.db.query(
      `SELECT ${COLUMNS} FROM user_identities WHERE issuer = $1 AND subject = $2`,
      [issuer, subject],
    );
    return rows[0];
  }

  listOf(userId: string): Promise<UserIdentity[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM user_identities WHERE user_id = $1 ORDER BY linked_at, id`,
      [userId],
    );
  }

  /** The provider's latest e-mail claims, kept on the identity (never on the account). */
  async touch(id: string, claims: ProviderIdentity): Promise<void> {
    await this.db.query(
      `UPDATE user_identities SET email = $2, email_verified = $3, last_used_at = now()
       WHERE id = $1`,
      [id, claims.email, claims.emailVerified],
    );
  }

  /** Deleted accounts included: their e-mail stays taken through the restore window. */
  async accountByEmail(email: string): Promise<AccountByEmail | undefined> {
    const rows: AccountByEmail[] = await this.db.query(
      `SELECT id, email_verified_at IS NOT NULL AS "emailVerified", deleted_at IS NOT NULL AS deleted
       FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  /** Whether the account is deleted (in its restore window), or gone: undefined. */
  async accountDeleted(userId: string): Promise<boolean | undefined> {
    const rows: Array<{ deleted: boolean }> = await this.db.query(
      'SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1',
      [userId],
    );
    return rows[0]?.deleted;
  }

  /** The new identity's id; undefined when that provider account is linked already. */
  async link(
    userId: string,
    provider: string,
    claims: ProviderIdentity,
    tx: EntityManager = this.db.manager,
  ): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO user_identities (user_id, provider, issuer, subject, email, email_verified, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (issuer, subject) DO NOTHING RETURNING id`,
      [userId, provider, claims.issuer, claims.subject, claims.email, claims.emailVerified],
    );
    return rows[0]?.id;
  }

  /**
   * Takes over an account whose e-mail was never verified, for the verified owner of that
   * address: whoever registered it cannot sign in any more. Its password, second factor,
   * pending one-time tokens (an e-mail change among them) and sessions go; the e-mail counts
   * as verified; the identity is linked. Undefined when the account changed meanwhile.
   */
  async adopt(
    userId: string,
    provider: string,
    claims: ProviderIdentity,
  ): Promise<string | undefined> {
    const result = await this.db.transaction(async (tx) => {
      const [updated]: [Array<{ id: string }>, number] = await tx.query(
        `UPDATE users SET password_hash = NULL, email_verified_at = now(), two_factor_secret = NULL,
           two_factor_enabled_at = NULL, totp_last_step = NULL, updated_at = now()
         WHERE id = $1 AND email_verified_at IS NULL AND deleted_at IS NULL RETURNING id`,
        [userId],
      );
      if (updated.length === 0) return undefined;
      await tx.query('DELETE FROM two_factor_backup_codes WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM user_tokens WHERE user_id = $1', [userId]);
      const [sessions]: [Array<{ id: string }>, number] = await tx.query(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = 'account_adopted'
         WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [userId],
      );
      const identityId = await this.link(userId, provider, claims, tx);
      if (!identityId) throw new IdentityTaken(); // rolls the adoption back
      return { identityId, sessionIds: sessions.map((s) => s.id) };
    });
    if (!result) return undefined;
    // Their access tokens too, at once on every instance.
    await this.revocations.revokeSessions(result.sessionIds);
    return result.identityId;
  }

  /**
   * Unlinks the identity unless it is the account's last way to sign in (no password and no
   * other identity). The account row is locked, so two concurrent unlinks cannot both pass.
   */
  unlink(userId: string, identityId: string): Promise<'unlinked' | 'not_found' | 'last_method'> {
    return this.db.transaction(async (tx) => {
      const users: Array<{ hasPassword: boolean }> = await tx.query(
        `SELECT password_hash IS NOT NULL AS "hasPassword" FROM users WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      const identities: Array<{ id: string }> = await tx.query(
        'SELECT id FROM user_identities WHERE user_id = $1',
        [userId],
      );
      if (!users[0] || !identities.some((i) => i.id === identityId)) return 'not_found';
      if (!users[0].hasPassword && identities.length === 1) return 'last_method';
      await tx.query('DELETE FROM user_identities WHERE id = $1 AND user_id = $2', [
        identityId,
        userId,
      ]);
      return 'unlinked';
    });
  }
}

/** The provider account got linked to someone else between the check and the adoption. */
export class IdentityTaken extends Error {}
