import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { UuidArg } from '../../core/validation/uuid.js';
import {
  BroadcastAcceptedDto,
  NotificationDto,
  NotificationPage,
  NotificationPreferenceDto,
} from './dto/notification.dto.js';
import {
  BroadcastNotificationInput,
  NotificationsArgs,
  UpdateNotificationPreferencesInput,
} from './dto/notifications.inputs.js';
import { NotificationBroadcastsService } from './notification-broadcasts.service.js';
import { NotificationPreferencesService } from './notification-preferences.service.js';
import { NotificationsService } from './notifications.service.js';

@Resolver(() => NotificationDto)
export class NotificationsResolver {
  constructor(
    private readonly inbox: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
    private readonly broadcasts: NotificationBroadcastsService,
  ) {}

  @Query(() => NotificationPage, { description: 'My notifications, newest first' })
  notifications(
    @CurrentUser() actor: AuthUser,
    @Args() { filter, page }: NotificationsArgs,
  ): Promise<NotificationPage> {
    return this.inbox.list(actor, filter, page);
  }

  @Query(() => Int, { description: 'How many of my notifications are unread' })
  unreadNotificationsCount(@CurrentUser() actor: AuthUser): Promise<number> {
    return this.inbox.unreadCount(actor);
  }

  @Mutation(() => NotificationDto, { description: 'Mark one of my notifications read' })
  markNotificationAsRead(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
  ): Promise<NotificationDto> {
    return this.inbox.markRead(actor, id);
  }

  @Mutation(() => Int, {
    description: 'Mark all my notifications read; answers how many were unread',
  })
  markAllNotificationsAsRead(@CurrentUser() actor: AuthUser): Promise<number> {
    return this.inbox.markAllRead(actor);
  }

  @Mutation(() => Boolean, { description: 'Delete one of my notifications' })
  async deleteNotification(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
  ): Promise<boolean> {
    await this.inbox.delete(actor, id);
    return true;
  }

  @Query(() => [NotificationPreferenceDto], {
    description: 'Every notification type with the channels it reaches me on',
  })
  notificationPreferences(@CurrentUser() actor: AuthUser): Promise<NotificationPreferenceDto[]> {
    return this.preferences.get(actor);
  }

  @Mutation(() => [NotificationPreferenceDto], {
    description: 'Switch channels per type (critical types stay on their defaults)',
  })
  updateNotificationPreferences(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: UpdateNotificationPreferencesInput,
  ): Promise<NotificationPreferenceDto[]> {
    return this.preferences.update(actor, input);
  }

  @Mutation(() => BroadcastAcceptedDto, {
    description: 'Admin: notify every user, or the users of one role (a job fans it out)',
  })
  @Permissions('notifications.broadcast')
  broadcastNotification(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: BroadcastNotificationInput,
  ): Promise<BroadcastAcceptedDto> {
    return this.broadcasts.broadcast(actor, input);
  }
}
