import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { FieldError } from '../../core/errors/error-codes.js';
import {
  NOTIFICATION_CHANNELS,
  NotificationTypes,
} from '../../core/notifications/notification-types.js';
import type { NotificationPreferenceDto } from './dto/notification.dto.js';
import type { UpdateNotificationPreferencesInput } from './dto/notifications.inputs.js';
import { channelsFor, columnOf, defaultsOf } from './notification-channels.js';
import {
  NotificationPreferencesRepository,
  type PreferenceChange,
} from './notification-preferences.repository.js';

/** Which channels each type reaches a user on: every registered type, with the user's choices. */
@Injectable()
export class NotificationPreferencesService {
  constructor(
    private readonly preferences: NotificationPreferencesRepository,
    private readonly types: NotificationTypes,
  ) {}

  async get(actor: AuthUser): Promise<NotificationPreferenceDto[]> {
    const chosen = new Map((await this.preferences.listOf(actor.id)).map((p) => [p.type, p]));
    return this.types.all().map((type) => {
      const channels = channelsFor(type, chosen.get(type.name) ?? null);
      return {
        type: type.name,
        description: type.description,
        critical: type.critical ?? false,
        inApp: channels.in_app,
        email: channels.email,
        realtime: channels.realtime,
      };
    });
  }

  /**
   * Applies the changes (a channel left out keeps its setting). Unknown types, a type named
   * twice, and switching off a default channel of a critical type are refused, field by field,
   * before anything is written.
   */
  async update(
    actor: AuthUser,
    input: UpdateNotificationPreferencesInput,
  ): Promise<NotificationPreferenceDto[]> {
    const errors: FieldError[] = [];
    const named = new Set<string>();
    input.preferences.forEach((change, i) => {
      const type = this.types.get(change.type);
      const field = `preferences.${i}`;
      if (!type)
        return errors.push({ field: `${field}.type`, message: 'is not a notification type' });
      if (named.has(change.type)) {
        return errors.push({ field: `${field}.type`, message: 'is named twice' });
      }
      named.add(change.type);
      const defaults = defaultsOf(type);
      for (const channel of NOTIFICATION_CHANNELS) {
        const column = columnOf(channel);
        if (type.critical && defaults[channel] && change[column] === false) {
          errors.push({
            field: `${field}.${column}`,
            message: `${type.name} is critical: its ${column} channel cannot be switched off`,
          });
        }
      }
    });
    if (errors.length > 0) {
      throw new AppException('VALIDATION_FAILED', 'The request is not valid', { errors });
    }
    const stored = new Map((await this.preferences.listOf(actor.id)).map((p) => [p.type, p]));
    const rows: PreferenceChange[] = input.preferences.map((change) => {
      const current = stored.get(change.type);
      return {
        type: change.type,
        inApp: change.inApp ?? current?.inApp ?? null,
        email: change.email ?? current?.email ?? null,
        realtime: change.realtime ?? current?.realtime ?? null,
      };
    });
    await this.preferences.save(actor.id, rows);
    return this.get(actor);
  }
}
