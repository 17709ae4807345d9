import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';

export const SENT_TOTAL = 'notifications_sent_total';
export const CONNECTIONS = 'notifications_realtime_connections';
export const DELIVERY_SECONDS = 'notifications_delivery_seconds';
export const DROPPED_TOTAL = 'notifications_realtime_dropped_total';

export type DropReason = 'over_limit' | 'too_large' | 'slow_client';

/** Shared with the notifications module, which counts the in_app and email channels. */
export const sentTotal = makeCounterProvider({
  name: SENT_TOTAL,
  help: 'Notifications delivered, by type and channel (in_app stored, email mailed, realtime written to a stream)',
  labelNames: ['type', 'channel'],
});

export const realtimeMetrics = [
  sentTotal,
  makeGaugeProvider({
    name: CONNECTIONS,
    help: 'Real-time notification streams open on this instance, by transport (sse, graphql_ws)',
    labelNames: ['transport'],
  }),
  makeHistogramProvider({
    name: DELIVERY_SECONDS,
    help: 'From a notification created to it written to a real-time stream, in seconds',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  makeCounterProvider({
    name: DROPPED_TOTAL,
    help: 'Real-time streams refused (over_limit) or notifications not pushed (too_large, slow_client)',
    labelNames: ['reason'],
  }),
];
