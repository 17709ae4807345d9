import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Permission } from '../../core/auth/permissions.js';
import { ApiKeyEntity } from './api-key.entity.js';

/** Every instance listens here; the payload is the id of a key rotated or revoked. */
export const API_KEY_CHANGES_CHANNEL = 'api_key_changes';

export type NewApiKey = Pick<
  ApiKeyEntity,
  'ownerId' | 'createdBy' | 'name' | 'prefix' | 'keyHash' | 'scopes' | 'expiresAt'
>;

/** What authenticating with a key needs, in one query: the key and its owner's standing. */
export interface ApiKeyForAuth {
  id: string;
  ownerId: string;
  scopes: Permission[];
  expiresAt: Date;
  revoked: boolean;
  /** Not deleted, not banned now. */
  ownerActive: boolean;
  ownerRoles: string[];
}

export interface KeyOwner {
  id: string;
  roles: string[];
}

const ROLES_OF_USER = `COALESCE(
  (SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur JOIN roles r ON r.id = ur.role_id
   WHERE ur.user_id = u.id), '{}')`;

/** Intention-named queries over `api_keys`; revoked keys are invisible unless a method says so. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  /**
   * Inserts the key unless its owner or its creator already has `maxPerAccount` live keys in
   * their list (owned or made; revoked ones do not count): null then. Creations for the same
   * accounts are serialised by advisory locks (taken in a fixed order, so two admins creating
   * keys for each other's accounts cannot deadlock), so concurrent requests cannot overshoot.
   */
  insertWithinLimit(key: NewApiKey, maxPerAccount: number): Promise<ApiKeyEntity | null> {
    return this.keys.manager.transaction(async (tx) => {
      for (const account of [...new Set([key.ownerId, key.createdBy])].sort()) {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `api-keys:${account}`,
        ]);
      }
      // A statement of its own after the locks: its snapshot sees every key committed before.
      const rows = (await tx.query(
        `INSERT INTO api_keys (owner_id, created_by, name, prefix, key_hash, scopes, expires_at)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE (SELECT count(*) FROM api_keys
                WHERE (owner_id = $1 OR created_by = $1) AND revoked_at IS NULL) < $8
           AND (SELECT count(*) FROM api_keys
                WHERE (owner_id = $2 OR created_by = $2) AND revoked_at IS NULL) < $8
         RETURNING id`,
        [
          key.ownerId,
          key.createdBy,
          key.name,
          key.prefix,
          key.keyHash,
          key.scopes,
          key.expiresAt,
          maxPerAccount,
        ],
      )) as { id: string }[];
      return rows[0] ? tx.getRepository(ApiKeyEntity).findOneByOrFail({ id: rows[0].id }) : null;
    });
  }

  /**
   * The live keys a user owns or made (for a service account), newest first: at most
   * API_KEY_MAX_PER_ACCOUNT, which insertWithinLimit keeps.
   */
  listVisibleTo(userId: string): Promise<ApiKeyEntity[]> {
    return this.keys
      .createQueryBuilder('k')
      .where('(k.owner_id = :userId OR k.created_by = :userId) AND k.revoked_at IS NULL', {
        userId,
      })
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .getMany();
  }

  /** A live key the user owns or made; null for anyone else's (callers answer 404). */
  findVisibleTo(id: string, userId: string): Promise<ApiKeyEntity | null> {
    return this.keys
      .createQueryBuilder('k')
      .where('k.id = :id AND (k.owner_id = :userId OR k.created_by = :userId)', { id, userId })
      .andWhere('k.revoked_at IS NULL')
      .getOne();
  }

  /** A new secret for a live key, announced to every instance in the same statement. */
  async rotate(id: string, secret: { prefix: string; keyHash: string }): Promise<boolean> {
    const rows = (await this.keys.query(
      `WITH changed AS (
         UPDATE api_keys SET prefix = $2, key_hash = $3, rotated_at = now()
         WHERE id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT pg_notify('${API_KEY_CHANGES_CHANNEL}', id::text) FROM changed`,
      [id, secret.prefix, secret.keyHash],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Revokes a live key, announced to every instance in the same statement. */
  async revoke(id: string): Promise<boolean> {
    const rows = (await this.keys.query(
      `WITH changed AS (
         UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT pg_notify('${API_KEY_CHANGES_CHANNEL}', id::text) FROM changed`,
      [id],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Revokes every live key the user owns, announced like `revoke`; returns their ids. */
  async revokeAllOwnedBy(ownerId: string): Promise<string[]> {
    const rows = (await this.keys.query(
      `WITH changed AS (
         UPDATE api_keys SET revoked_at = now()
         WHERE owner_id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id, pg_notify('${API_KEY_CHANGES_CHANNEL}', id::text) FROM changed`,
      [ownerId],
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  async findForAuth(keyHash: string): Promise<ApiKeyForAuth | null> {
    const [row] = (await this.keys.query(
      `SELECT k.id, k.owner_id AS "ownerId", k.scopes, k.expires_at AS "expiresAt",
              k.revoked_at IS NOT NULL AS revoked,
              (u.deleted_at IS NULL AND NOT (u.banned_at IS NOT NULL
                AND (u.banned_until IS NULL OR u.banned_until > now()))) AS "ownerActive",
              ${ROLES_OF_USER} AS "ownerRoles"
       FROM api_keys k JOIN users u ON u.id = k.owner_id
       WHERE k.key_hash = $1`,
      [keyHash],
    )) as ApiKeyForAuth[];
    return row ?? null;
  }

  /** Sets last_used_at unless it was set less than a minute ago (by any instance). */
  async touch(id: string): Promise<void> {
    await this.keys.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /** A user who may own a key (not deleted), with its roles; null otherwise. */
  async findOwner(userId: string): Promise<KeyOwner | null> {
    const [row] = (await this.keys.query(
      `SELECT u.id, ${ROLES_OF_USER} AS roles FROM users u
       WHERE u.id = $1 AND u.deleted_at IS NULL`,
      [userId],
    )) as KeyOwner[];
    return row ?? null;
  }
}
