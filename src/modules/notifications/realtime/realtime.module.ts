import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { NotificationStream } from '../notification-stream.js';
import { RealtimeStream } from './realtime-stream.js';

const sentTotal = makeCounterProvider({
  name: 'notifications_sent_total',
  help: 'Notifications delivered, by type and channel (in_app stored, email mailed, realtime written to a stream)',
  labelNames: ['type', 'channel'],
});

/** SSE, the notificationAdded subscription, and the cross-instance bus behind both. */
@Module({
  providers: [{ provide: NotificationStream, useClass: RealtimeStream }, sentTotal],
  exports: [NotificationStream, sentTotal],
})
export class NotificationsRealtimeModule {}
