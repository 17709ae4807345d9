import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { UserWithRoles } from './user.entity.js';
import { hydrateUser } from './users.repository.js';

/** Deleted, within the restore window, not yet anonymised: `$n` is the window in days. */
const RESTORABLE = (days: string) => `u.deleted_at IS NOT NULL
  AND u.deleted_at >= now() - make_interval(days => ${days})
  AND u.email <> ('deleted-' || u.id || '@invalid')`;

/** Not an argon2 hash, so no password ever verifies against it. */
const UNUSABLE_PASSWORD_HASH = '!anonymised';

/** What a user's archive holds of their account: never a password or token hash. */
export type ArchivedProfile = Record<string, unknown> & { id: string };
export type ArchivedSession = Record<string, unknown> & { id: string };

/**
 * The account lifecycle over `users`, `sessions` and `user_tokens`: change of email, soft
 * deletion, anonymisation, and the account's part of the data export. Raw, parameterised SQL:
 * these statements touch columns UserEntity does not map (deletion_reason) and several tables
 * in one transaction.
 */
@Injectable()
export class AccountsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Switches the account to `email`, verified; false when another account holds it. */
  async switchEmail(id: string, email: string, tx: EntityManager): Promise<boolean> {
    const taken: unknown[] = await tx.query('SELECT 1 FROM users WHERE email = $1 AND id <> $2', [
      email,
      id,
    ]);
    if (taken.length > 0) return false;
    await tx.query(
      `UPDATE users SET email = $2, email_verified_at = now(), updated_at = now()
       WHERE id = $1`,
      [id, email],
    );
    return true;
  }

  /** Marks the account deleted and drops its unused tokens; false when already deleted. */
  softDelete(id: string, reason: string | null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [, count]: [unknown[], number] = await tx.query(
        `UPDATE users SET deleted_at = now(), deletion_reason = $2, updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL`,
        [id, reason],
      );
      if (count === 0) return false;
      await tx.query('DELETE FROM user_tokens WHERE user_id = $1 AND used_at IS NULL', [id]);
      return true;
    });
  }

  /**
   * The account a sign-in with this email is about, password hash and roles included: a live
   * one, or a deleted one still inside the restore window (`deletedAt` set). One query whatever
   * the outcome, so unknown, live and deleted emails cost the same.
   */
  async getForSignIn(email: string, restoreDays: number): Promise<UserWithRoles | undefined> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT u.*, COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL),
         '{}') AS roles
       FROM users u
       LEFT JOIN user_roles ur ON ur.user_id = u.id
       LEFT JOIN roles r ON r.id = ur.role_id
       WHERE u.email = $1 AND (u.deleted_at IS NULL OR (${RESTORABLE('$2')}))
       GROUP BY u.id`,
      [email, restoreDays],
    );
    return rows[0] ? hydrateUser(rows[0], true) : undefined;
  }

  /** Undoes the soft delete while the window is open; false when it closed (or was undone). */
  async restore(id: string, restoreDays: number): Promise<boolean> {
    const [, count]: [unknown[], number] = await this.db.query(
      `UPDATE users u SET deleted_at = NULL, deletion_reason = NULL, updated_at = now()
       WHERE u.id = $1 AND ${RESTORABLE('$2')}`,
      [id, restoreDays],
    );
    return count === 1;
  }

  /**
   * Anonymises the accounts deleted more than `restoreDays` ago (not yet anonymised): email
   * `deleted-<id>@invalid`, personal fields cleared, a password that never matches, sessions and
   * tokens and linked identities removed. Rows locked by a concurrent run are skipped. Returns the ids anonymised.
   * The rows are locked FOR NO KEY UPDATE, which a concurrent run also takes (and so skips): FOR
   * UPDATE would also conflict with the FOR KEY SHARE of any insert referencing the user at that
   * moment (an audit entry, a session), and SKIP LOCKED then passed over the account until the
   * next day's run. The UPDATE (it changes the email, a unique key) waits for such an insert.
   */
  anonymiseDeletedBefore(restoreDays: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const rows: Array<{ id: string }> = await tx.query(
        `SELECT id FROM users
         WHERE deleted_at IS NOT NULL AND deleted_at < now() - make_interval(days => $1)
           AND email <> ('deleted-' || id || '@invalid')
         FOR NO KEY UPDATE SKIP LOCKED`,
        [restoreDays],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return [];
      await tx.query(
        `UPDATE users SET email = 'deleted-' || id || '@invalid', username = NULL,
           first_name = NULL, last_name = NULL, bio = NULL, timezone = NULL, locale = NULL,
           avatar_file_id = NULL, email_verified_at = NULL, deletion_reason = NULL,
           ban_reason = NULL, password_hash = $2, updated_at = now()
         WHERE id = ANY($1::uuid[])`,
        [ids, UNUSABLE_PASSWORD_HASH],
      );
      await tx.query('DELETE FROM sessions WHERE user_id = ANY($1::uuid[])', [ids]);
      await tx.query('DELETE FROM user_tokens WHERE user_id = ANY($1::uuid[])', [ids]);
      // Provider accounts (subject, e-mail) are personal data, and would still sign in.
      await tx.query('DELETE FROM user_identities WHERE user_id = ANY($1::uuid[])', [ids]);
      return ids;
    });
  }

  /** The profile of an account that is not deleted. */
  async archivedProfile(userId: string): Promise<ArchivedProfile | undefined> {
    const rows: ArchivedProfile[] = await this.db.query(
      `SELECT id, email, username, email_verified_at AS "emailVerifiedAt",
         first_name AS "firstName", last_name AS "lastName", bio, timezone, locale,
         avatar_file_id AS "avatarFileId", banned_at AS "bannedAt", ban_reason AS "banReason",
         banned_until AS "bannedUntil", created_at AS "createdAt", updated_at AS "updatedAt"
       FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return rows[0];
  }

  async roleNames(userId: string): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.db.query(
      `SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
       WHERE ur.user_id = $1 ORDER BY r.name`,
      [userId],
    );
    return rows.map((r) => r.name);
  }

  /** Every session of the account, oldest first, without its refresh token hash. */
  archivedSessions(userId: string): Promise<ArchivedSession[]> {
    return this.db.query(
      `SELECT id, ip, user_agent AS "userAgent", created_at AS "createdAt",
         last_used_at AS "lastUsedAt", expires_at AS "expiresAt", revoked_at AS "revokedAt",
         revoked_reason AS "revokedReason"
       FROM sessions WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
  }
}
