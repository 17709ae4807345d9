import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { poolQuery } from '../../core/database/pool-query.js';
import { preparedStatement } from '../../core/database/prepared-statement.js';
import { UserEntity, type UserWithRoles } from './user.entity.js';

const WITH_ROLES = `
  SELECT u.*, COALESCE(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id`;

// Every column but password_hash.
/** A user's columns and role names, as hydrateUser reads them (`u` is the users row). */
const USER_WITH_ROLES = `u.id, u.email, u.username, u.email_verified_at, u.first_name,
  u.last_name, u.bio, u.timezone, u.locale, u.avatar_file_id, u.banned_at, u.ban_reason,
  u.banned_until, u.deleted_at, u.created_at, u.updated_at,
  COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
            JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS roles`;

const USER_BY_ID = `SELECT ${USER_WITH_ROLES} FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL`;

export interface NewAccount {
  email: string;
  username?: string;
  /** Null for an account made by an OpenID sign-in: it has no password until one is reset. */
  passwordHash: string | null;
  /** The e-mail counts as verified from the start (a trusted provider vouched for it). */
  emailVerified?: boolean;
}

/** More rows of a new account, written in its transaction; may name more roles (ids) to grant. */
export type AccountExtras = (
  tx: EntityManager,
  userId: string,
) => Promise<{ roleIds?: string[] } | void>;

export type ProfileFields = Partial<
  Pick<UserEntity, 'firstName' | 'lastName' | 'bio' | 'timezone' | 'locale'>
>;

/** The profile fields and their columns, in a fixed order (statement names and texts). */
const PROFILE_COLUMNS: ReadonlyArray<[keyof ProfileFields, string]> = [
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['bio', 'bio'],
  ['timezone', 'timezone'],
  ['locale', 'locale'],
];

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

  /** Accounts created in each `interval` bucket of [from, to) (stats). */
  createdByBucket(
    from: Date,
    to: Date,
    interval: string,
  ): Promise<Array<{ bucket: Date; count: string }>> {
    return this.users.query(
      `SELECT date_trunc($3, created_at, 'UTC') AS bucket, count(*) AS count
       FROM users WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
  }

  /** Live accounts: all, banned now, unverified (stats; one pass over users). */
  async accountTotals(): Promise<{ total: string; banned: string; unverified: string }> {
    const [row]: Array<{ total: string; banned: string; unverified: string }> =
      await this.users.query(
        `SELECT count(*) AS total,
           count(*) FILTER (WHERE banned_at IS NOT NULL
             AND (banned_until IS NULL OR banned_until > now())) AS banned,
           count(*) FILTER (WHERE email_verified_at IS NULL) AS unverified
         FROM users WHERE deleted_at IS NULL`,
      );
    return row!;
  }

  async getByEmailWithPassword(email: string): Promise<UserWithRoles | undefined> {
    const rows = await this.users.query(
      `${WITH_ROLES} WHERE u.email = $1 AND u.deleted_at IS NULL GROUP BY u.id`,
      [email],
    );
    return rows[0] ? hydrateUser(rows[0], true) : undefined;
  }

  /** Null: the account signs in with an OpenID provider only. */
  async getPasswordHash(id: string): Promise<string | null | undefined> {
    const user = await this.users.findOne({
      select: { id: true, passwordHash: true },
      where: { id, deletedAt: IsNull() },
    });
    return user?.passwordHash;
  }

  /** Whether an account (deleted ones included) holds this email or username. */
  emailOrUsernameTaken(email: string, username?: string): Promise<boolean> {
    return this.users.exists({ where: [{ email }, ...(username ? [{ username }] : [])] });
  }

  /** Which of an email and a username belong to an account (deleted ones included). */
  async takenBy(email: string, username?: string): Promise<{ email: boolean; username: boolean }> {
    const rows = await this.users.find({
      select: { email: true, username: true },
      where: [{ email }, ...(username ? [{ username }] : [])],
    });
    // citext: the database matched without case, so compare the same way here.
    const same = (a: string | null, b?: string) =>
      !!a && !!b && a.toLowerCase() === b.toLowerCase();
    return {
      email: rows.some((row) => same(row.email, email)),
      username: rows.some((row) => same(row.username, username)),
    };
  }

  /** Inserts the user with the `user` role; returns undefined when the email or username is taken. */
  /**
   * Creates an account in one transaction with what comes with it: `extras` writes its other
   * rows (the consumed invite and consents of a registration, an OpenID identity) and may name
   * more roles (by id) to grant beside `user`. The new user's id; undefined when the email or
   * username is taken. Any failure, of `extras` too, writes nothing.
   */
  createAccount(account: NewAccount, extras?: AccountExtras): Promise<string | undefined> {
    return this.users.manager.transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO users (email, username, password_hash, email_verified_at)
         VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END)
         ON CONFLICT DO NOTHING RETURNING id`,
        [account.email, account.username ?? null, account.passwordHash, !!account.emailVerified],
      );
      const userId = inserted[0]?.id;
      if (!userId) return undefined;
      const more = await extras?.(tx, userId);
      await grantRoles(tx, userId, ['user'], more?.roleIds);
      return userId;
    });
  }

  /** An account with a password and the `user` role (seeding); undefined when taken. */
  async create(account: NewAccount & { passwordHash: string }): Promise<UserWithRoles | undefined> {
    const id = await this.createAccount(account);
    return id ? this.getById(id) : undefined;
  }

  /** Creates the admin account or grants the admin role to an existing one (see ensureAdmin). */
  ensureAdmin(email: string, passwordHash: string): Promise<EnsureAdminResult> {
    return ensureAdminAccount(this.users.manager, email, passwordHash);
  }

  /**
   * One prepared statement per set of fields (at most 31), not a query builder per call; it
   * answers the updated user (as getById does) in the same round trip, undefined when there is
   * no live user `id`.
   */
  async updateProfile(id: string, fields: ProfileFields): Promise<UserWithRoles | undefined> {
    const keys = PROFILE_COLUMNS.filter(([key]) => fields[key] !== undefined);
    if (keys.length === 0) return this.getById(id);
    const sets = keys.map(([, column], i) => `${column} = $${i + 2}`).join(', ');
    const statement = preparedStatement(
      `users_profile_${keys.map(([key]) => key).join('_')}`,
      `UPDATE users u SET ${sets}, updated_at = now() WHERE u.id = $1 AND u.deleted_at IS NULL
       RETURNING ${USER_WITH_ROLES}`,
    );
    const values = [id, ...keys.map(([key]) => fields[key])];
    const rows = await poolQuery<Record<string, unknown>>(this.users.manager, statement, values);
    return rows[0] ? hydrateUser(rows[0]) : undefined;
  }

  /** Inside the caller's transaction when `tx` is given (e.g. a consumed reset token). */
  async updatePasswordHash(id: string, passwordHash: string, tx?: EntityManager): Promise<void> {
    await (tx ?? this.users.manager).update(UserEntity, { id }, { passwordHash });
  }

  /** Keeps the first verification time; inside the caller's transaction when `tx` is given. */
  async markEmailVerified(id: string, tx?: EntityManager): Promise<void> {
    await (tx ?? this.users.manager)
      .createQueryBuilder()
      .update(UserEntity)
      .set({ emailVerifiedAt: () => 'COALESCE(email_verified_at, now())' })
      .where('id = :id', { id })
      .execute();
  }

  /** Points the user's avatar at `fileId`; answers the avatar it replaced (to be deleted). */
  async setAvatar(userId: string, fileId: string): Promise<string | null> {
    return this.users.manager.transaction(async (tx) => {
      const previous = await tx.findOne(UserEntity, {
        select: { id: true, avatarFileId: true },
        where: { id: userId },
        lock: { mode: 'pessimistic_write' },
      });
      await tx.update(UserEntity, { id: userId }, { avatarFileId: fileId });
      return previous?.avatarFileId ?? null;
    });
  }

  /**
   * Ids of live accounts (not deleted) after `afterId`, in id order, optionally only those
   * holding `role`: one keyset page of a fan-out.
   */
  async liveIdsAfter(afterId: string | null, limit: number, role?: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.users.query(
      `SELECT u.id FROM users u
       WHERE u.deleted_at IS NULL AND ($1::uuid IS NULL OR u.id > $1)
         AND ($3::text IS NULL OR EXISTS (
           SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
           WHERE ur.user_id = u.id AND r.name = $3))
       ORDER BY u.id LIMIT $2`,
      [afterId, limit, role ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** How many live accounts there are (holding `role`, if given): a fan-out's total. */
  async countLive(role?: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.users.query(
      `SELECT count(*)::int AS n FROM users u
       WHERE u.deleted_at IS NULL
         AND ($1::text IS NULL OR EXISTS (
           SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
           WHERE ur.user_id = u.id AND r.name = $1))`,
      [role ?? null],
    );
    return rows[0].n;
  }

  /** The address to write to, while the account is live. */
  async contactOf(id: string): Promise<{ email: string } | undefined> {
    const user = await this.users.findOne({
      select: { id: true, email: true, deletedAt: true },
      where: { id },
    });
    return user && !user.deletedAt ? { email: user.email } : undefined;
  }

  roleExists(name: string): Promise<boolean> {
    return this.users.manager
      .query('SELECT 1 FROM roles WHERE name = $1', [name])
      .then((rows: unknown[]) => rows.length > 0);
  }

  /** Clears the avatar only while it still is `fileId` (a deleted or failed upload). */
  async clearAvatarIf(userId: string, fileId: string): Promise<void> {
    await this.users.update({ id: userId, avatarFileId: fileId }, { avatarFileId: null });
  }
}

/** Grants roles by name; roles already held are kept. Returns how many were new. */
/** Grants the roles named in `roles` and those whose ids are in `roleIds`; how many were new. */
async function grantRoles(
  tx: EntityManager,
  userId: string,
  roles: string[],
  roleIds: string[] = [],
): Promise<number> {
  const granted: unknown[] = await tx.query(
    `INSERT INTO user_roles (user_id, role_id)
     SELECT $1, id FROM roles WHERE name = ANY($2::text[]) OR id = ANY($3::uuid[])
     ON CONFLICT DO NOTHING RETURNING role_id`,
    [userId, roles, roleIds],
  );
  return granted.length;
}

export type EnsureAdminResult = 'created' | 'promoted' | 'unchanged';

/**
 * Raw SQL on purpose: the CLI runs this on a data source without entity metadata. Creates the
 * account (email verified, roles user and admin) or grants the admin role to an existing one.
 */
export function ensureAdminAccount(
  manager: EntityManager,
  email: string,
  passwordHash: string,
): Promise<EnsureAdminResult> {
  return manager.transaction(async (tx) => {
    const inserted: Array<{ id: string }> = await tx.query(
      `INSERT INTO users (email, password_hash, email_verified_at) VALUES ($1, $2, now())
       ON CONFLICT DO NOTHING RETURNING id`,
      [email, passwordHash],
    );
    const existing: Array<{ id: string }> = inserted.length
      ? inserted
      : await tx.query('SELECT id FROM users WHERE email = $1', [email]);
    const granted = await grantRoles(tx, existing[0]!.id, ['user', 'admin']);
    if (inserted.length) return 'created';
    return granted ? 'promoted' : 'unchanged';
  });
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
    passwordHash: withPassword ? ((row.password_hash as string | null) ?? null) : null,
    roles: row.roles as string[],
  };
}
