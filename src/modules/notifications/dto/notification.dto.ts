import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GraphQLJSON } from '../../../core/graphql/json.scalar.js';
import type { Page } from '../../../core/pagination/page.js';
import { NOTIFICATION_LEVELS } from '../../../core/notifications/notification-types.js';
import type { NotificationEntity } from '../notification.entity.js';

@ObjectType('Notification')
export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty({ description: 'The type, e.g. security_alert (GET /notifications/preferences)' })
  @Field()
  type!: string;
  @ApiProperty({ enum: NOTIFICATION_LEVELS })
  @Field(() => String, { description: NOTIFICATION_LEVELS.join(', ') })
  level!: string;
  @ApiProperty() @Field() title!: string;
  @ApiProperty() @Field() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  @Field(() => GraphQLJSON)
  data!: Record<string, unknown>;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'What it is about, e.g. file' })
  @Field(() => String, { nullable: true })
  entityType!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  entityId!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  readAt!: Date | null;
  @ApiProperty() @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export function toNotificationDto(row: NotificationEntity): NotificationDto {
  return {
    id: row.id,
    type: row.type,
    level: row.level,
    title: row.title,
    message: row.body,
    data: row.data,
    entityType: row.entityType,
    entityId: row.entityId,
    readAt: row.readAt,
    createdAt: row.createdAt,
  };
}

@ObjectType('NotificationPage')
export class NotificationPage implements Page<NotificationDto> {
  @ApiProperty({ type: [NotificationDto] })
  @Field(() => [NotificationDto])
  items!: NotificationDto[];
  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  nextCursor!: string | null;
  @ApiProperty({ description: 'Matching the filter' }) @Field(() => Int) totalCount!: number;
  @ApiProperty({ description: 'All my unread notifications, whatever the filter' })
  @Field(() => Int)
  unreadCount!: number;
}

@ObjectType('UnreadNotificationsCount')
export class UnreadCountDto {
  @ApiProperty() @Field(() => Int) count!: number;
}

@ObjectType('NotificationsMarkedRead')
export class MarkedReadDto {
  @ApiProperty({ description: 'How many were unread' }) @Field(() => Int) updated!: number;
}

@ObjectType('NotificationPreference')
export class NotificationPreferenceDto {
  @ApiProperty() @Field() type!: string;
  @ApiProperty() @Field() description!: string;
  @ApiProperty({
    description: 'Critical types reach you on their default channels whatever you choose',
  })
  @Field()
  critical!: boolean;
  @ApiProperty({ description: 'Stored and listed in GET /notifications' }) @Field() inApp!: boolean;
  @ApiProperty() @Field() email!: boolean;
  @ApiProperty({ description: 'Pushed over SSE / the notificationAdded subscription' })
  @Field()
  realtime!: boolean;
}

@ObjectType('BroadcastAccepted')
export class BroadcastAcceptedDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) broadcastId!: string;
  @ApiProperty({ description: 'Follow it at GET /jobs/:id' }) @Field(() => ID) jobId!: string;
}
