import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { toUserDto, type UserDto } from './dto/user.dto.js';
import type { ChangePasswordInput, UpdateProfileInput } from './dto/user.inputs.js';
import { PasswordService } from './password.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { type ProfileFields, UsersRepository } from './users.repository.js';

const PROFILE_FIELDS = ['firstName', 'lastName', 'bio', 'timezone', 'locale'] as const;

/** The caller's own account (profile, password), and the avatar pointer for the files module. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly passwords: PasswordService,
    private readonly events: EventBus,
  ) {}

  async me(actor: AuthUser): Promise<UserDto> {
    const user = await this.users.getById(actor.id);
    if (!user) throw new AppException('NOT_FOUND', 'User not found');
    return toUserDto(user);
  }

  /** Only the profile fields are ever written, whatever else the input carried. */
  async updateProfile(actor: AuthUser, input: UpdateProfileInput): Promise<UserDto> {
    const fields: ProfileFields = {};
    for (const key of PROFILE_FIELDS) {
      if (input[key] !== undefined) fields[key] = input[key];
    }
    if (Object.keys(fields).length === 0) return this.me(actor);
    const user = await this.users.updateProfile(actor.id, fields);
    if (!user) throw new AppException('NOT_FOUND', 'User not found');
    this.events.emit('user.profile.updated', { userId: actor.id, fields: Object.keys(fields) });
    return toUserDto(user);
  }

  /** Needs the current password; every other session is revoked afterwards. */
  async changePassword(actor: AuthUser, input: ChangePasswordInput): Promise<void> {
    const current = await this.users.getPasswordHash(actor.id);
    if (!current) throw new AppException('NOT_FOUND', 'User not found');
    if (!(await this.passwords.verify(current, input.currentPassword))) {
      throw new AppException('VALIDATION_FAILED', 'The current password is incorrect', {
        errors: [{ field: 'currentPassword', message: 'is incorrect' }],
      });
    }
    const user = await this.users.getById(actor.id);
    this.passwords.assertStrong(input.newPassword, 'newPassword', user?.email);
    await this.users.updatePasswordHash(actor.id, await this.passwords.hash(input.newPassword));
    await this.sessions.revokeAllExcept(actor.id, actor.sessionId, 'password_changed');
    this.events.emit('auth.password.changed', { userId: actor.id });
  }

  /** For the files module: the avatar is now `fileId`; answers the file it replaced, if any. */
  setAvatar(userId: string, fileId: string): Promise<string | null> {
    return this.users.setAvatar(userId, fileId);
  }

  /** For the files module: clears the avatar while it is still `fileId` (deleted or failed). */
  clearAvatarIf(userId: string, fileId: string): Promise<void> {
    return this.users.clearAvatarIf(userId, fileId);
  }

  /** For broadcasts: one keyset page of live account ids, in id order (optionally one role). */
  liveIdsAfter(afterId: string | null, limit: number, role?: string): Promise<string[]> {
    return this.users.liveIdsAfter(afterId, limit, role);
  }

  countLive(role?: string): Promise<number> {
    return this.users.countLive(role);
  }

  /** For notification mail: where a live account receives mail. */
  contactOf(userId: string): Promise<{ email: string } | undefined> {
    return this.users.contactOf(userId);
  }

  roleExists(name: string): Promise<boolean> {
    return this.users.roleExists(name);
  }
}
