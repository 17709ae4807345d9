import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
} from 'class-validator';
import { PageArgs } from '../../../../core/pagination/page.args.js';
import { UuidField } from '../../../../core/validation/uuid.js';
import { NestedObject, OptionalText } from '../../../../core/validation/validators.js';
import { USER_STATUSES, type UserStatus } from './admin-user.dto.js';

export const USER_SORTS = ['createdAt', '-createdAt', 'email', '-email'] as const;
export type UserSort = (typeof USER_SORTS)[number];

const ROLE_NAME = /^[a-z][a-z0-9_.-]{0,49}$/;

/** A date-time string (ISO 8601) later than now. */
function IsFutureDate() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isFutureDate',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a date in the future` },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && Date.parse(value) > Date.now(),
      },
    });
}

@InputType('AdminUsersFilter')
export class AdminUsersFilter {
  @ApiPropertyOptional({ description: 'Users holding this role' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  role?: string;

  @ApiPropertyOptional({ enum: USER_STATUSES })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(USER_STATUSES)
  status?: UserStatus;

  @ApiPropertyOptional({ format: 'date-time' })
  @Field({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  registeredAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @Field({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  registeredBefore?: string;

  @ApiPropertyOptional({
    description: 'Searches email, username, first and last name',
    maxLength: 100,
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

const SORT_DESCRIPTION = 'createdAt, -createdAt, email or -email (default -createdAt)';

/** `GET /admin/users` query: the filter, the sort and the page. */
export class ListUsersQuery extends IntersectionType(AdminUsersFilter, PageArgs) {
  @ApiPropertyOptional({ enum: USER_SORTS, default: '-createdAt' })
  @IsOptional()
  @IsIn(USER_SORTS)
  sort?: UserSort;
}

/** `users(filter, page, sort)`: the same filter, page and sort classes as `GET /admin/users`. */
@ArgsType()
export class ListUsersArgs {
  @Field(() => AdminUsersFilter, { nullable: true })
  @IsOptional()
  @NestedObject(() => AdminUsersFilter)
  filter?: AdminUsersFilter;

  @Field(() => PageArgs, { nullable: true })
  @IsOptional()
  @NestedObject(() => PageArgs)
  page?: PageArgs;

  @Field(() => String, { nullable: true, description: SORT_DESCRIPTION })
  @IsOptional()
  @IsIn(USER_SORTS)
  sort?: UserSort;
}

@InputType()
export class AdminUpdateUserInput {
  @OptionalText(100)
  firstName?: string;

  @OptionalText(100)
  lastName?: string;

  @OptionalText(500)
  bio?: string;

  @ApiPropertyOptional()
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  emailVerified?: boolean;
}

@InputType({ isAbstract: true })
export class BanUserBody {
  @ApiProperty({ minLength: 1, maxLength: 500 })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until when; forever when absent' })
  @Field({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsFutureDate()
  until?: string;
}

@InputType()
export class AdminBanUserInput extends BanUserBody {
  @UuidField()
  userId!: string;
}

/** `POST /admin/users/:id/roles` body; `AdminRoleInput` adds the user id for GraphQL. */
@InputType({ isAbstract: true })
export class RoleBody {
  @ApiProperty({ example: 'admin', pattern: ROLE_NAME.source })
  @Field()
  @IsString()
  @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role!: string;
}

@InputType()
export class AdminRoleInput extends RoleBody {
  @UuidField()
  userId!: string;
}

@InputType()
export class AdminBulkBanInput extends BanUserBody {
  @UuidField({ each: true })
  @ApiProperty({ minItems: 1, maxItems: 100 })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  userIds!: string[];
}

@InputType()
export class AdminBulkRolesInput {
  @UuidField({ each: true })
  @ApiProperty({ minItems: 1, maxItems: 100 })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  userIds!: string[];

  @ApiProperty()
  @Field()
  @IsString()
  @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role!: string;

  @ApiProperty({ enum: ['assign', 'revoke'] })
  @Field(() => String)
  @IsIn(['assign', 'revoke'])
  action!: 'assign' | 'revoke';
}
