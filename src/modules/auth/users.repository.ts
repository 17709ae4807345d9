import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { poolQuery } from '../../core/database/pool-query.js';
import { preparedStatement } from '../../core/database/prepared-statement.js';
import { UserEntity, type UserWithRoles } from './user.entity.js';

const WITH_ROLES = `
  SELECT u.*, COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id`;

// Every column but password_hash.
const USER_BY_ID = `
  SELECT u.id, u.email, u.username, u.email_verified_at, u.first_name, u.last_name, u.bio,
    u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason, u.banned_until,
    u.deleted_at, u.created_at, u.updated_at,
    COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id
  WHERE u.id = $1 AND u.deleted_at IS NULL GROUP BY u.id`;

export type ProfileFields = Partial<
  Pick<UserEntity, 'firstName' | 'lastName' | 'bio' | 'timezone' | 'locale'>
>;

/** Intention-named queries over users; deleted users are invisible unless asked for. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** One primary-key read, roles included; the hottest query (every /users/me), so prepared. */
  async getById(id: string): Promise<UserWithRoles | undefined> {
    const statement = preparedStatement('users_by_id', USER_BY_ID);
    const rows = await poolQuery<Record<string, unknown>>(this.users.manager, statement, [id]);
    return rows[0] ? hydrateUser(rows[0]) : undefined;
  }

  async getByEmailWithPassword(email: string): Promise<UserWithRoles | undefined> {
    const rows = await this.users.query(
      `${WITH_ROLES} WHERE u.email = $1 AND u.deleted_at IS NULL GROUP BY u.id`,
      [email],
    );
    return rows[0] ? hydrateUser(rows[0], true) : undefined;
  }

  async getPasswordHash(id: string): Promise<string | undefined> {
    const rows: Array<{ password_hash: string }> = await this.users.query(
      'SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return rows[0]?.password_hash;
  }

  async emailOrUsernameTaken(email: string, username?: string): Promise<boolean> {
    const rows = await this.users.query(
      'SELECT 1 FROM users WHERE email = $1 OR ($2::citext IS NOT NULL AND username = $2) LIMIT 1',
      [email, username ?? null],
    );
    return rows.length > 0;
  }

  /** Which of an email and a username belong to an account (deleted ones included). */
  async takenBy(email: string, username?: string): Promise<{ email: boolean; username: boolean }> {
    const rows: Array<{ email: boolean | null; username: boolean | null }> = await this.users.query(
      `SELECT bool_or(email = $1) AS email, bool_or(username = $2) AS username FROM users
       WHERE email = $1 OR ($2::citext IS NOT NULL AND username = $2)`,
      [email, username ?? null],
    );
    return { email: rows[0]?.email === true, username: rows[0]?.username === true };
  }

  /** Inserts the user with the `user` role; returns undefined when the email or username is taken. */
  async create(input: {
    email: string;
    username?: string;
    passwordHash: string;
  }): Promise<UserWithRoles | undefined> {
    return this.users.manager.transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING id`,
        [input.email, input.username ?? null, input.passwordHash],
      );
      if (!inserted[0]) return undefined;
      await tx.query(
        `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'user'`,
        [inserted[0].id],
      );
      const rows = await tx.query(`${WITH_ROLES} WHERE u.id = $1 GROUP BY u.id`, [inserted[0].id]);
      return hydrateUser(rows[0]);
    });
  }

  async updateProfile(id: string, fields: ProfileFields): Promise<void> {
    await this.users.update({ id }, fields);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }
}

/** A users row (with its `roles` array) as a plain object: no entity instantiation on hot reads. */
export function hydrateUser(row: Record<string, unknown>, withPassword = false): UserWithRoles {
  return {
    id: row.id as string,
    email: row.email as string,
    username: (row.username as string | null) ?? null,
    emailVerifiedAt: row.email_verified_at as Date | null,
    firstName: row.first_name as string | null,
    lastName: row.last_name as string | null,
    bio: row.bio as string | null,
    timezone: row.timezone as string | null,
    locale: row.locale as string | null,
    avatarFileId: row.avatar_file_id as string | null,
    bannedAt: row.banned_at as Date | null,
    banReason: row.ban_reason as string | null,
    bannedUntil: row.banned_until as Date | null,
    deletedAt: row.deleted_at as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    passwordHash: withPassword ? (row.password_hash as string) : '',
    roles: row.roles as string[],
  };
}
