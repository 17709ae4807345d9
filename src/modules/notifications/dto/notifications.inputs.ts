import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageArgs } from '../../../core/pagination/page.args.js';
import { NestedObject } from '../../../core/validation/validators.js';

const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const TypeName = () =>
  applyDecorators(
    IsString(),
    MaxLength(64),
    Matches(TYPE_NAME, { message: 'type is not a type name' }),
  );

/** `?unread=true|false` arrives as text; anything else stays as it is and fails @IsBoolean. */
const booleanText = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

@InputType('NotificationFilter')
export class NotificationFilter {
  @ApiPropertyOptional({ description: 'true: unread only; false: read only' })
  @Field({ nullable: true })
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional({ description: 'One type, e.g. security_alert', maxLength: 64 })
  @Field({ nullable: true })
  @IsOptional()
  @TypeName()
  type?: string;
}

/** GET /notifications?unread=&type=&limit=&cursor= */
export class ListNotificationsQuery extends IntersectionType(NotificationFilter, PageArgs) {}

/** `notifications(filter, page)`: the same filter and page classes as the REST query. */
@ArgsType()
export class NotificationsArgs {
  @Field(() => NotificationFilter, { nullable: true })
  @IsOptional()
  @NestedObject(() => NotificationFilter)
  filter?: NotificationFilter;

  @Field(() => PageArgs, { nullable: true })
  @IsOptional()
  @NestedObject(() => PageArgs)
  page?: PageArgs;
}

/** The same filter for the stream: `GET /notifications/stream?type=`, `notificationAdded(filter)`. */
@ArgsType()
export class NotificationStreamArgs {
  @ApiPropertyOptional({ description: 'Only this type', maxLength: 64 })
  @Field({ nullable: true })
  @IsOptional()
  @TypeName()
  type?: string;
}

@InputType('NotificationPreferenceInput')
export class NotificationPreferenceInput {
  @ApiProperty({ maxLength: 64 })
  @Field()
  @TypeName()
  type!: string;

  @ApiPropertyOptional({ description: 'Omitted: unchanged' })
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  inApp?: boolean;

  @ApiPropertyOptional({ description: 'Omitted: unchanged' })
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  email?: boolean;

  @ApiPropertyOptional({ description: 'Omitted: unchanged' })
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  realtime?: boolean;
}

export const MAX_PREFERENCES = 100;

/** PUT /notifications/preferences and updateNotificationPreferences(input). */
@InputType('UpdateNotificationPreferencesInput')
export class UpdateNotificationPreferencesInput {
  @ApiProperty({ type: [NotificationPreferenceInput], maxItems: MAX_PREFERENCES })
  @Field(() => [NotificationPreferenceInput])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PREFERENCES)
  @ValidateNested({ each: true })
  @Type(() => NotificationPreferenceInput)
  preferences!: NotificationPreferenceInput[];
}

/** POST /admin/notifications/broadcast and broadcastNotification(input). */
@InputType('BroadcastNotificationInput')
export class BroadcastNotificationInput {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiProperty({ minLength: 1, maxLength: 2000 })
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  message!: string;

  @ApiPropertyOptional({ description: 'Only the users holding this role', maxLength: 50 })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  role?: string;
}
