import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { UuidParam } from '../../core/validation/uuid.js';
import {
  BroadcastAcceptedDto,
  MarkedReadDto,
  NotificationDto,
  NotificationPage,
  NotificationPreferenceDto,
  UnreadCountDto,
} from './dto/notification.dto.js';
import {
  BroadcastNotificationInput,
  ListNotificationsQuery,
  UpdateNotificationPreferencesInput,
} from './dto/notifications.inputs.js';
import { NotificationBroadcastsService } from './notification-broadcasts.service.js';
import { NotificationPreferencesService } from './notification-preferences.service.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
    private readonly broadcasts: NotificationBroadcastsService,
  ) {}

  @Get('notifications')
  @ApiOperation({ summary: 'My notifications, newest first (filters: unread, type)' })
  @ApiOkResponse({ type: NotificationPage })
  list(
    @CurrentUser() actor: AuthUser,
    @Query() { unread, type, ...page }: ListNotificationsQuery,
  ): Promise<NotificationPage> {
    return this.notifications.list(actor, { unread, type }, page);
  }

  @Get('notifications/unread-count')
  @ApiOperation({ summary: 'How many of my notifications are unread' })
  @ApiOkResponse({ type: UnreadCountDto })
  async unreadCount(@CurrentUser() actor: AuthUser): Promise<UnreadCountDto> {
    return { count: await this.notifications.unreadCount(actor) };
  }

  @Get('notifications/preferences')
  @ApiOperation({ summary: 'Every notification type with the channels it reaches me on' })
  @ApiOkResponse({ type: [NotificationPreferenceDto] })
  getPreferences(@CurrentUser() actor: AuthUser): Promise<NotificationPreferenceDto[]> {
    return this.preferences.get(actor);
  }

  @Put('notifications/preferences')
  @ApiOperation({ summary: 'Switch channels per type (critical types stay on their defaults)' })
  @ApiOkResponse({ type: [NotificationPreferenceDto] })
  updatePreferences(
    @CurrentUser() actor: AuthUser,
    @Body() input: UpdateNotificationPreferencesInput,
  ): Promise<NotificationPreferenceDto[]> {
    return this.preferences.update(actor, input);
  }

  @Post('notifications/read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiOkResponse({ type: MarkedReadDto })
  async markAllRead(@CurrentUser() actor: AuthUser): Promise<MarkedReadDto> {
    return { updated: await this.notifications.markAllRead(actor) };
  }

  @Post('notifications/:id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of my notifications read' })
  @ApiOkResponse({ type: NotificationDto })
  markRead(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<NotificationDto> {
    return this.notifications.markRead(actor, id);
  }

  @Delete('notifications/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one of my notifications' })
  @ApiNoContentResponse()
  async delete(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.notifications.delete(actor, id);
  }

  @Post('admin/notifications/broadcast')
  @HttpCode(202)
  @Permissions('notifications.broadcast')
  @ApiOperation({
    summary: 'Admin: notify every user, or the users of one role (a job fans it out)',
  })
  @ApiAcceptedResponse({ type: BroadcastAcceptedDto })
  broadcast(
    @CurrentUser() actor: AuthUser,
    @Body() input: BroadcastNotificationInput,
  ): Promise<BroadcastAcceptedDto> {
    return this.broadcasts.broadcast(actor, input);
  }
}
