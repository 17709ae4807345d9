import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageType } from '../../../../core/pagination/page.js';
import { isBanned } from '../../auth.service.js';
import { toUserDto, UserDto } from '../../dto/user.dto.js';
import type { UserWithRoles } from '../../user.entity.js';

export const USER_STATUSES = ['active', 'banned', 'unverified', 'deleted'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A user as admins see it: the public profile plus account state. */
@ObjectType('AdminUser')
export class AdminUserDto extends UserDto {
  @ApiProperty({ enum: USER_STATUSES }) @Field(() => String) status!: UserStatus;
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  bannedAt!: Date | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) banReason!: string | null;
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  bannedUntil!: Date | null;
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  deletedAt!: Date | null;
}

export function statusOf(user: UserWithRoles): UserStatus {
  if (user.deletedAt) return 'deleted';
  if (isBanned(user)) return 'banned';
  return user.emailVerifiedAt ? 'active' : 'unverified';
}

export function toAdminUserDto(user: UserWithRoles): AdminUserDto {
  const banned = isBanned(user);
  return {
    ...toUserDto(user),
    status: statusOf(user),
    bannedAt: banned ? user.bannedAt : null,
    banReason: banned ? user.banReason : null,
    bannedUntil: banned ? user.bannedUntil : null,
    deletedAt: user.deletedAt,
  };
}

export const AdminUserPage = PageType(AdminUserDto, 'AdminUserPage');

@ObjectType('BulkResult')
export class BulkResultDto {
  @ApiProperty({ description: 'How many users changed' }) @Field(() => Int) updated!: number;
}
