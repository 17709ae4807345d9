import { isUUID } from 'class-validator';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import type { Permission } from '../../core/auth/permissions.js';
import { PermissionsService } from '../../core/auth/permissions.service.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { FileEntity } from './file.entity.js';
import { FilesRepository } from './files.repository.js';

export const notFound = (): AppException => new AppException('NOT_FOUND', 'File not found');

/**
 * Who may see or delete a file: its owner, or a role granted `files.read.any` (read) or
 * `files.manage` (delete). Everyone else gets the 404 of a file that does not exist.
 */
@Injectable()
export class FileAccess {
  constructor(
    private readonly files: FilesRepository,
    private readonly permissions: PermissionsService,
  ) {}

  async readable(actor: AuthUser, id: string): Promise<FileEntity> {
    return this.find(actor, id, 'files.read.any');
  }

  async deletable(actor: AuthUser, id: string): Promise<FileEntity> {
    return this.find(actor, id, 'files.manage');
  }

  /** A live file by id for signed links (the signature is the permission). */
  async byId(id: string): Promise<FileEntity> {
    const file = isUUID(id) ? await this.files.getLive(id) : null;
    if (!file) throw notFound();
    return file;
  }

  private async find(actor: AuthUser, id: string, permission: Permission): Promise<FileEntity> {
    const file = await this.byId(id);
    if (file.ownerId === actor.id) return file;
    if (await this.permissions.can(actor, permission)) return file;
    throw notFound();
  }
}
