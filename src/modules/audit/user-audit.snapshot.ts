import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';
import { type AuditSnapshotProvider, AuditSnapshotRegistry } from './audit-snapshot.js';

// An explicit column list: password_hash, two_factor_secret and future secret columns never
// reach the audit log. updated_at is left out because every write changes it.
const SNAPSHOT_SQL = `
  SELECT u.email::text AS "email", u.username::text AS "username",
         u.email_verified_at AS "emailVerifiedAt", u.first_name AS "firstName",
         u.last_name AS "lastName", u.bio AS "bio", u.timezone AS "timezone",
         u.locale AS "locale", u.avatar_file_id AS "avatarFileId", u.banned_at AS "bannedAt",
         u.ban_reason AS "banReason", u.banned_until AS "bannedUntil",
         u.deleted_at AS "deletedAt", u.two_factor_enabled_at IS NOT NULL AS "twoFactorEnabled",
         COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur
                   JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '{}') AS "roles"
  FROM users u WHERE u.id = $1`;

/** Users' audit snapshots: the profile, verification, ban and roles of one user. */
@Injectable()
export class UserAuditSnapshot implements AuditSnapshotProvider, OnModuleInit {
  readonly entityType = 'user';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: AuditSnapshotRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async snapshot(id: string): Promise<Record<string, unknown> | null> {
    if (!isUUID(id)) return null;
    const rows: Array<Record<string, unknown>> = await this.db.query(SNAPSHOT_SQL, [id]);
    if (!rows[0]) return null;
    return Object.fromEntries(
      Object.entries(rows[0]).map(([key, value]) => [
        key,
        value instanceof Date ? value.toISOString() : value,
      ]),
    );
  }
}
