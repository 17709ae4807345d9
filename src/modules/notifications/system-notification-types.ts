import type { NotificationType } from '../../core/notifications/notification-types.js';

export const SYSTEM_ANNOUNCEMENT = 'system_announcement';

/** The notifications module's own type: what an admin broadcasts. */
export const systemAnnouncement: NotificationType = {
  name: SYSTEM_ANNOUNCEMENT,
  description: 'Announcements from the administrators',
  defaultChannels: ['in_app', 'realtime'],
};
