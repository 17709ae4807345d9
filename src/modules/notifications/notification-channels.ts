import {
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  type NotificationType,
} from '../../core/notifications/notification-types.js';
import type { NotificationPreferenceEntity } from './notification-preference.entity.js';

export type ChannelFlags = Record<NotificationChannel, boolean>;

type Choice = Pick<NotificationPreferenceEntity, 'inApp' | 'email' | 'realtime'>;

const COLUMN: Record<NotificationChannel, keyof Choice> = {
  in_app: 'inApp',
  email: 'email',
  realtime: 'realtime',
};

/** The type's default channels as flags. */
export function defaultsOf(type: NotificationType): ChannelFlags {
  const flags = {} as ChannelFlags;
  for (const channel of NOTIFICATION_CHANNELS) {
    flags[channel] = type.defaultChannels.includes(channel);
  }
  return flags;
}

/**
 * Where a notification of `type` goes for a user: their choice per channel, else the type's
 * default; a critical type keeps its default channels whatever the choice.
 */
export function channelsFor(type: NotificationType, choice: Choice | null): ChannelFlags {
  const defaults = defaultsOf(type);
  const flags = {} as ChannelFlags;
  for (const channel of NOTIFICATION_CHANNELS) {
    const chosen = choice?.[COLUMN[channel]] ?? null;
    flags[channel] = (type.critical && defaults[channel]) || (chosen ?? defaults[channel]);
  }
  return flags;
}

export const columnOf = (channel: NotificationChannel): keyof Choice => COLUMN[channel];
