import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface RoleGrant {
  role: string;
  permission: string;
}

/** The `roles`, `permissions` and `role_permissions` tables, read as role → permission pairs. */
@Injectable()
export class PermissionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every permission granted to every role. */
  async getAllGrants(): Promise<RoleGrant[]> {
    return this.db.query(
      `SELECT r.name AS role, p.name AS permission
       FROM role_permissions rp
       JOIN roles r ON r.id = rp.role_id
       JOIN permissions p ON p.id = rp.permission_id`,
    );
  }
}
