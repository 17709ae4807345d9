import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type KeysetRow, keysetPage, SqlConditions } from '../../../core/database/keyset-page.js';
import { AccessRevocationsService } from '../../../core/auth/access-revocations.service.js';
import type { EntitySnapshot } from '../../../core/events/domain-events.js';
import type { Keyset } from '../../../core/pagination/cursor.js';
import type { UserWithRoles } from '../user.entity.js';
import { hydrateUser } from '../users.repository.js';
import type { UserStatus } from './dto/admin-user.dto.js';
import type { UserSort } from './dto/admin-users.inputs.js';

const WITH_ROLES = `
  SELECT u.*, COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id`;

const BANNED = 'u.banned_at IS NOT NULL AND (u.banned_until IS NULL OR u.banned_until > now())';
const STATUS: Record<UserStatus, string> = {
  deleted: 'u.deleted_at IS NOT NULL',
  banned: `u.deleted_at IS NULL AND ${BANNED}`,
  unverified: `u.deleted_at IS NULL AND NOT (${BANNED}) AND u.email_verified_at IS NULL`,
  active: `u.deleted_at IS NULL AND NOT (${BANNED}) AND u.email_verified_at IS NOT NULL`,
};

// A listed user: every column hydrateUser reads (no password_hash), roles by subquery.
const LIST_COLUMNS = `u.id, u.email, u.username, u.email_verified_at, u.first_name, u.last_name,
  u.bio, u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason, u.banned_until,
  u.deleted_at, u.created_at, u.updated_at,
  COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
            JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS roles`;
const SORT_COLUMN = { createdAt: 'u.created_at', email: 'u.email' } as const;
const SORT_CAST = { createdAt: 'timestamptz', email: 'citext' } as const;

// The audited fields, listed one by one: password_hash, two_factor_secret and future secret
// columns never reach the audit log; updated_at is left out because every write changes it.
const SNAPSHOT = `
  SELECT u.id, u.email::text AS "email", u.username::text AS "username",
         u.email_verified_at AS "emailVerifiedAt", u.first_name AS "firstName",
         u.last_name AS "lastName", u.bio AS "bio", u.timezone AS "timezone",
         u.locale AS "locale", u.avatar_file_id AS "avatarFileId", u.banned_at AS "bannedAt",
         u.ban_reason AS "banReason", u.banned_until AS "bannedUntil",
         u.deleted_at AS "deletedAt", u.two_factor_enabled_at IS NOT NULL AS "twoFactorEnabled",
         COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
                   JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS "roles"
  FROM users u WHERE u.id = ANY($1::uuid[])`;

export interface UserListFilter {
  role?: string;
  status?: UserStatus;
  registeredAfter?: string;
  registeredBefore?: string;
  q?: string;
}

export type UserRow = KeysetRow<UserWithRoles>;

export interface UserSummary {
  id: string;
  email: string;
  username: string | null;
}

/** ILIKE pattern that takes `%`, `_` and `\` literally. */
export const containsPattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export type AdminProfileFields = {
  firstName?: string;
  lastName?: string;
  bio?: string;
  emailVerified?: boolean;
};

/** Admin queries over users: keyset-paginated search, bans and role grants. */
@Injectable()
export class AdminUsersRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly revocations: AccessRevocationsService,
  ) {}

  /** `limit + 1` rows after the keyset, plus the total matching the filter (no cursor). */
  async list(
    filter: UserListFilter,
    sort: UserSort,
    limit: number,
    after: Keyset | undefined,
  ): Promise<{ rows: UserRow[]; totalCount: number }> {
    const where = new SqlConditions().add(
      filter.status ? STATUS[filter.status] : 'u.deleted_at IS NULL',
    );
    if (filter.role) {
      where.add(
        `EXISTS (SELECT 1 FROM user_roles fur JOIN roles fr ON fr.id = fur.role_id
                 WHERE fur.user_id = u.id AND fr.name = ?)`,
        filter.role,
      );
    }
    if (filter.registeredAfter) where.add('u.created_at >= ?::timestamptz', filter.registeredAfter);
    if (filter.registeredBefore)
      where.add('u.created_at < ?::timestamptz', filter.registeredBefore);
    if (filter.q) {
      const p = containsPattern(filter.q);
      where.add(
        `(u.email::text ILIKE ? ESCAPE '\\' OR u.username::text ILIKE ? ESCAPE '\\'
          OR u.first_name ILIKE ? ESCAPE '\\' OR u.last_name ILIKE ? ESCAPE '\\'
          OR concat_ws(' ', u.first_name, u.last_name) ILIKE ? ESCAPE '\\')`,
        p,
        p,
        p,
        p,
        p,
      );
    }
    const field = sort.replace('-', '') as keyof typeof SORT_COLUMN;
    const { rows, total } = await keysetPage<Record<string, unknown>>(
      this.db.manager,
      {
        columns: LIST_COLUMNS,
        from: 'users u',
        where,
        sortColumn: SORT_COLUMN[field],
        sortType: SORT_CAST[field],
        idColumn: 'u.id',
        idType: 'uuid',
        direction: sort.startsWith('-') ? 'DESC' : 'ASC',
      },
      limit,
      after,
    );
    return {
      rows: rows.map((row) => {
        // Set on the fresh object, not spread into a copy of it (bench/list-rows.mjs).
        const user = hydrateUser(row) as UserRow;
        user.sortKey = row.sortKey as string;
        return user;
      }),
      totalCount: total,
    };
  }

  /** A user who is not deleted, roles included. */
  async getById(
    id: string,
    manager: EntityManager = this.db.manager,
  ): Promise<UserWithRoles | undefined> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `${WITH_ROLES} WHERE u.id = $1 AND u.deleted_at IS NULL GROUP BY u.id`,
      [id],
    );
    return rows[0] ? hydrateUser(rows[0]) : undefined;
  }

  /** The audit snapshots of these users (deleted ones too), by id; dates as ISO strings. */
  async auditSnapshots(ids: string[]): Promise<Map<string, EntitySnapshot>> {
    const rows: Array<Record<string, unknown>> = await this.db.query(SNAPSHOT, [ids]);
    return new Map(
      rows.map(({ id, ...fields }) => [
        id as string,
        Object.fromEntries(
          Object.entries(fields).map(([key, value]) => [
            key,
            value instanceof Date ? value.toISOString() : value,
          ]),
        ),
      ]),
    );
  }

  /** Who these users are (deleted ones included: the audit log outlives accounts). */
  summaries(ids: readonly string[]): Promise<UserSummary[]> {
    return this.db.query(
      'SELECT id, email::text AS email, username::text AS username FROM users WHERE id = ANY($1::uuid[])',
      [ids],
    );
  }

  /** The email address of a user, deleted or not. */
  async emailOf(id: string): Promise<string | undefined> {
    const rows: Array<{ email: string }> = await this.db.query(
      'SELECT email::text AS email FROM users WHERE id = $1',
      [id],
    );
    return rows[0]?.email;
  }

  async roleId(name: string): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await this.db.query(
      'SELECT id FROM roles WHERE name = $1',
      [name],
    );
    return rows[0]?.id;
  }

  async updateProfile(id: string, fields: AdminProfileFields): Promise<void> {
    await this.db.query(
      `UPDATE users SET
         first_name = CASE WHEN $2 THEN $3 ELSE first_name END,
         last_name = CASE WHEN $4 THEN $5 ELSE last_name END,
         bio = CASE WHEN $6 THEN $7 ELSE bio END,
         email_verified_at = CASE WHEN $8::boolean IS NULL THEN email_verified_at
                                  WHEN $8 THEN COALESCE(email_verified_at, now()) ELSE NULL END,
         updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL`,
      [
        id,
        fields.firstName !== undefined,
        fields.firstName ?? null,
        fields.lastName !== undefined,
        fields.lastName ?? null,
        fields.bio !== undefined,
        fields.bio ?? null,
        fields.emailVerified ?? null,
      ],
    );
  }

  /**
   * Bans the users who exist and are not deleted, and revokes all their sessions, in one
   * transaction; returns the ids banned.
   */
  async ban(ids: string[], reason: string, until: Date | null): Promise<string[]> {
    const { banned, sessions } = await this.db.transaction(async (tx) => {
      const [rows]: [Array<{ id: string }>, number] = await tx.query(
        `UPDATE users SET banned_at = now(), ban_reason = $2, banned_until = $3, updated_at = now()
         WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL RETURNING id`,
        [ids, reason, until],
      );
      const banned = rows.map((r) => r.id);
      if (banned.length === 0) return { banned, sessions: [] };
      const [revoked]: [Array<{ id: string }>, number] = await tx.query(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = 'banned'
         WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL RETURNING id`,
        [banned],
      );
      return { banned, sessions: revoked.map((r) => r.id) };
    });
    // Their access tokens end now too, not when they expire; the sessions stay ended on unban.
    await this.revocations.blockUsers(banned);
    await this.revocations.revokeSessions(sessions);
    return banned;
  }

  async unban(id: string): Promise<void> {
    await this.db.query(
      `UPDATE users SET banned_at = NULL, ban_reason = NULL, banned_until = NULL, updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    await this.revocations.unblockUsers([id]);
  }

  /** Grants the role to those (non-deleted) users who lack it; returns who changed. */
  async assignRole(ids: string[], roleId: string): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await this.db.query(
      `INSERT INTO user_roles (user_id, role_id)
       SELECT u.id, $2 FROM users u WHERE u.id = ANY($1::uuid[]) AND u.deleted_at IS NULL
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [ids, roleId],
    );
    return rows.map((r) => r.user_id);
  }

  /** Takes the role from those (non-deleted) users who hold it; returns who changed. */
  async revokeRole(ids: string[], roleId: string): Promise<string[]> {
    const [rows]: [Array<{ user_id: string }>, number] = await this.db.query(
      `DELETE FROM user_roles ur USING users u
       WHERE ur.user_id = u.id AND u.deleted_at IS NULL
         AND ur.user_id = ANY($1::uuid[]) AND ur.role_id = $2
       RETURNING ur.user_id`,
      [ids, roleId],
    );
    return rows.map((r) => r.user_id);
  }
}
