import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { UserWithRoles } from '../user.entity.js';

@ObjectType('User')
export class UserDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field() email!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) username!: string | null;
  @ApiProperty() @Field() emailVerified!: boolean;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) firstName!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) lastName!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) bio!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) timezone!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) locale!: string | null;
  @ApiPropertyOptional({ format: 'uuid' })
  @Field(() => ID, { nullable: true })
  avatarFileId!: string | null;
  @ApiProperty({ type: [String] }) @Field(() => [String]) roles!: string[];
  @ApiProperty() @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export function toUserDto(user: UserWithRoles): UserDto {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    emailVerified: user.emailVerifiedAt !== null,
    firstName: user.firstName,
    lastName: user.lastName,
    bio: user.bio,
    timezone: user.timezone,
    locale: user.locale,
    avatarFileId: user.avatarFileId,
    roles: user.roles,
    createdAt: user.createdAt,
  };
}
