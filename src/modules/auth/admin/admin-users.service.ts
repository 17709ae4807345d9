import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../../../config/auth.config.js';
import { AccessRevocationsService } from '../../../core/auth/access-revocations.service.js';
import { isUUID } from 'class-validator';
import type { AuthUser } from '../../../core/auth/auth-user.js';
import { AppException } from '../../../core/errors/app.exception.js';
import type { EntityChange, EntitySnapshot } from '../../../core/events/domain-events.js';
import { EventBus } from '../../../core/events/event-bus.js';
import { decodeCursor, encodeCursor, isTimestampKey } from '../../../core/pagination/cursor.js';
import { DEFAULT_PAGE_LIMIT, type PageArgs } from '../../../core/pagination/page.args.js';
import { type Page, toPage } from '../../../core/pagination/page.js';
import { AccountsRepository } from '../accounts.repository.js';
import type { UserWithRoles } from '../user.entity.js';
import { type AdminUserDto, BulkResultDto, toAdminUserDto } from './dto/admin-user.dto.js';
import {
  type AdminBulkBanInput,
  type AdminBulkRolesInput,
  type AdminUpdateUserInput,
  type AdminUsersFilter,
  type BanUserBody,
  USER_SORTS,
  type UserSort,
} from './dto/admin-users.inputs.js';
import { AdminUsersRepository, type UserSummary } from './admin-users.repository.js';

const invalid = (field: string, message: string): AppException =>
  new AppException('VALIDATION_FAILED', message, { errors: [{ field, message }] });

type RefusalEvent = 'user.ban.failed' | 'user.update.failed';

/** User administration: list and search, edit, ban, roles. Callers come first (`actor`). */
@Injectable()
export class AdminUsersService {
  private readonly logger = new Logger(AdminUsersService.name);

  constructor(
    private readonly repo: AdminUsersRepository,
    private readonly events: EventBus,
    private readonly accounts: AccountsRepository,
    private readonly revocations: AccessRevocationsService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async list(
    _actor: AuthUser,
    filter: AdminUsersFilter = {},
    page: PageArgs = {},
    sort: string = '-createdAt',
  ): Promise<Page<AdminUserDto>> {
    if (!(USER_SORTS as readonly string[]).includes(sort)) {
      throw invalid('sort', `sort must be one of ${USER_SORTS.join(', ')}`);
    }
    const userSort = sort as UserSort;
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor
      ? decodeCursor(
          page.cursor,
          userSort,
          userSort.endsWith('createdAt') ? isTimestampKey : undefined,
        )
      : undefined;
    const { rows, totalCount } = await this.repo.list(filter, userSort, limit, after);
    return toPage(rows, limit, totalCount, toAdminUserDto, (row) =>
      encodeCursor({ sort: userSort, key: row.sortKey, id: row.id }),
    );
  }

  async get(_actor: AuthUser, id: string): Promise<AdminUserDto> {
    return toAdminUserDto(await this.find(id));
  }

  /** Who these users are, in the order of `ids` (null for an id with no user), one query. */
  async summaries(ids: readonly string[]): Promise<Array<UserSummary | null>> {
    const valid = ids.filter((id) => isUUID(id));
    const found = valid.length ? await this.repo.summaries(valid) : [];
    const byId = new Map(found.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** A user's email address, deleted accounts included (for the audit activity summary). */
  async emailOf(id: string): Promise<string> {
    const email = isUUID(id) ? await this.repo.emailOf(id) : undefined;
    if (!email) throw new AppException('NOT_FOUND', 'No such user');
    return email;
  }

  async update(actor: AuthUser, id: string, input: AdminUpdateUserInput): Promise<AdminUserDto> {
    return this.recordingRefusal('user.update.failed', id, async () => {
      await this.find(id);
      const fields = (['firstName', 'lastName', 'bio', 'emailVerified'] as const).filter(
        (key) => input[key] !== undefined,
      );
      if (fields.length) {
        const before = await this.snapshots([id]);
        await this.repo.updateProfile(id, input);
        const change = await this.change(id, before);
        this.events.emit('user.updated', { userId: id, fields: [...fields], change });
      }
      return this.get(actor, id);
    });
  }

  async ban(actor: AuthUser, id: string, input: BanUserBody): Promise<AdminUserDto> {
    return this.recordingRefusal('user.ban.failed', id, async () => {
      if (id === actor.id) throw invalid('userId', 'You cannot ban yourself');
      await this.find(id);
      const until = input.until ? new Date(input.until) : null;
      const before = await this.snapshots([id]);
      await this.repo.ban([id], input.reason, until);
      this.events.emit('user.banned', {
        userId: id,
        reason: input.reason,
        until: until?.toISOString() ?? null,
        change: await this.change(id, before),
      });
      return this.get(actor, id);
    });
  }

  async unban(actor: AuthUser, id: string): Promise<AdminUserDto> {
    await this.find(id);
    await this.repo.unban(id);
    this.events.emit('user.unbanned', { userId: id });
    return this.get(actor, id);
  }

  /**
   * Brings back an account deleted within its restore window (AUTH_ACCOUNT_RESTORE_DAYS), as
   * the user can with POST /auth/restore: its old sessions stay ended, it signs in again. A
   * live account is 409; an unknown one, or one past its window (anonymised or erased), 404.
   */
  async restore(actor: AuthUser, id: string): Promise<AdminUserDto> {
    if (!isUUID(id) || !(await this.accounts.restore(id, this.config.accountRestoreDays))) {
      if (isUUID(id) && (await this.repo.getById(id))) {
        throw new AppException('CONFLICT', 'This account is not deleted');
      }
      throw new AppException('NOT_FOUND', 'No such deleted user within its restore window');
    }
    await this.revocations.unblockUsers([id]);
    this.events.emit('user.restored', { userId: id });
    return this.get(actor, id);
  }

  async assignRole(actor: AuthUser, id: string, role: string): Promise<AdminUserDto> {
    const roleId = await this.roleId(role);
    await this.find(id);
    const changed = await this.repo.assignRole([id], roleId);
    if (changed.length) this.events.emit('user.role.assigned', { userId: id, role });
    return this.get(actor, id);
  }

  async revokeRole(actor: AuthUser, id: string, role: string): Promise<AdminUserDto> {
    const roleId = await this.roleId(role);
    if (id === actor.id && role === 'admin') {
      throw invalid('role', 'You cannot remove your own admin role');
    }
    await this.find(id);
    const changed = await this.repo.revokeRole([id], roleId);
    if (changed.length) this.events.emit('user.role.revoked', { userId: id, role });
    return this.get(actor, id);
  }

  async bulkBan(actor: AuthUser, input: AdminBulkBanInput): Promise<BulkResultDto> {
    if (input.userIds.includes(actor.id)) throw invalid('userIds', 'You cannot ban yourself');
    const until = input.until ? new Date(input.until) : null;
    const before = await this.snapshots(input.userIds);
    const banned = await this.repo.ban(input.userIds, input.reason, until);
    const after = await this.snapshots(banned);
    for (const userId of banned) {
      this.events.emit('user.banned', {
        userId,
        reason: input.reason,
        until: until?.toISOString() ?? null,
        change: { before: before.get(userId) ?? null, after: after.get(userId) ?? null },
      });
    }
    return { updated: banned.length };
  }

  async bulkRoles(actor: AuthUser, input: AdminBulkRolesInput): Promise<BulkResultDto> {
    const roleId = await this.roleId(input.role);
    if (input.action === 'revoke') {
      if (input.role === 'admin' && input.userIds.includes(actor.id)) {
        throw invalid('userIds', 'You cannot remove your own admin role');
      }
      const changed = await this.repo.revokeRole(input.userIds, roleId);
      for (const userId of changed) {
        this.events.emit('user.role.revoked', { userId, role: input.role });
      }
      return { updated: changed.length };
    }
    const changed = await this.repo.assignRole(input.userIds, roleId);
    for (const userId of changed) {
      this.events.emit('user.role.assigned', { userId, role: input.role });
    }
    return { updated: changed.length };
  }

  /** Records a refused admin action (its AppException code) once, then lets the error through. */
  private async recordingRefusal<T>(
    event: RefusalEvent,
    userId: string,
    action: () => Promise<T>,
  ): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const code = error instanceof AppException ? error.code : 'INTERNAL';
      this.events.emit(event, { userId, code });
      throw error;
    }
  }

  /** Audit snapshots by id; one that cannot be read never fails the action (empty instead). */
  private async snapshots(ids: string[]): Promise<Map<string, EntitySnapshot>> {
    try {
      return await this.repo.auditSnapshots(ids);
    } catch (err) {
      this.logger.warn({ err, users: ids.length }, 'Audit snapshot failed; recording without it');
      return new Map();
    }
  }

  private async change(id: string, before: Map<string, EntitySnapshot>): Promise<EntityChange> {
    const after = await this.snapshots([id]);
    return { before: before.get(id) ?? null, after: after.get(id) ?? null };
  }

  private async find(id: string): Promise<UserWithRoles> {
    const user = isUUID(id) ? await this.repo.getById(id) : undefined;
    if (!user) throw new AppException('NOT_FOUND', 'No such user');
    return user;
  }

  private async roleId(role: string): Promise<string> {
    const id = await this.repo.roleId(role);
    if (!id) throw invalid('role', `Unknown role: ${role}`);
    return id;
  }
}
