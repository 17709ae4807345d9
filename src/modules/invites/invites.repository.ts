import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** An invite that can still be used (not used, not expired). */
export interface UsableInvite {
  id: string;
  email: string | null;
  role: string | null;
}

@Injectable()
export class InvitesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async roleId(name: string): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await this.db.query(
      'SELECT id FROM roles WHERE name = $1',
      [name],
    );
    return rows[0]?.id;
  }

  async create(invite: {
    tokenHash: string;
    email: string | null;
    roleId: string | null;
    createdBy: string;
    expiresAt: Date;
  }): Promise<string> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO invites (token_hash, email, role_id, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [invite.tokenHash, invite.email, invite.roleId, invite.createdBy, invite.expiresAt],
    );
    return rows[0].id;
  }

  async findUsable(tokenHash: string): Promise<UsableInvite | undefined> {
    const rows: UsableInvite[] = await this.db.query(
      `SELECT i.id, i.email::text AS email, r.name AS role FROM invites i
       LEFT JOIN roles r ON r.id = i.role_id
       WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now()`,
      [tokenHash],
    );
    return rows[0];
  }

  /**
   * Marks the invite used by `userId` inside the registration's transaction, only while it is
   * unused and unexpired: of two registrations racing for one invite, the second waits for the
   * first's row lock, then finds it used. Returns the role id to grant, or false.
   */
  async consume(
    inviteId: string,
    userId: string,
    tx: EntityManager,
  ): Promise<{ roleId: string | null } | false> {
    // An UPDATE answers [rows, affected count] through TypeORM's query().
    const [rows]: [Array<{ role_id: string | null }>, number] = await tx.query(
      `UPDATE invites SET used_at = now(), used_by = $2
       WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING role_id`,
      [inviteId, userId],
    );
    return rows[0] ? { roleId: rows[0].role_id } : false;
  }
}
