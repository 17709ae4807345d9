import { QUEUE_NAMES } from '../../core/queue/queue-names.js';
import type { StatsInterval } from '../../core/stats/stats-source.js';

/**
 * How a chart series is read from the rollup: the sum of the stored rows of `metric` whose series
 * `matches` (over instances too); a `gauge` carries its last value over empty buckets, a `p95`
 * is computed from histogram buckets (`<group>|<le>`).
 */
export interface SeriesSpec {
  name: string;
  metric: string;
  matches: (stored: string) => boolean;
  kind: 'sum' | 'gauge' | 'p95';
}

export interface StatsMetricSpec {
  name: string;
  description: string;
  intervals: readonly StatsInterval[];
  series: readonly SeriesSpec[];
}

const BOTH = ['hour', 'day'] as const;
const is = (value: string) => (stored: string) => stored === value;
const endsWith = (suffix: string) => (stored: string) => stored.endsWith(suffix);
const any = () => true;

const sum = (name: string, metric: string, stored = name): SeriesSpec => ({
  name,
  metric,
  matches: is(stored),
  kind: 'sum',
});
const gauge = (name: string, metric: string, stored = name): SeriesSpec => ({
  name,
  metric,
  matches: is(stored),
  kind: 'gauge',
});

/** The closed list of time series the API serves (and the admin page draws). */
export const STATS_METRICS: readonly StatsMetricSpec[] = [
  {
    name: 'users',
    description: 'Accounts: total, banned and unverified (as of each bucket) and new registrations',
    intervals: BOTH,
    series: [
      gauge('total', 'users.total', 'count'),
      sum('new', 'users.new', 'count'),
      gauge('banned', 'users.banned', 'count'),
      gauge('unverified', 'users.unverified', 'count'),
    ],
  },
  {
    name: 'active_users',
    description: 'Distinct users with an authenticated request that day, past 7 days, past 30 days',
    intervals: ['day'],
    series: [sum('dau', 'activity'), sum('wau', 'activity'), sum('mau', 'activity')],
  },
  {
    name: 'sign_ins',
    description: 'Sign-in attempts by outcome',
    intervals: BOTH,
    series: [sum('succeeded', 'sign_ins'), sum('failed', 'sign_ins')],
  },
  {
    name: 'uploads',
    description: 'Files uploaded and their bytes',
    intervals: BOTH,
    series: [sum('files', 'uploads'), sum('bytes', 'uploads')],
  },
  {
    name: 'storage',
    description: 'Storage used by live files (bytes, files), as of each bucket',
    intervals: BOTH,
    series: [gauge('bytes', 'storage'), gauge('files', 'storage')],
  },
  {
    name: 'notifications',
    description: 'Notifications sent per channel (in_app, email once mailed, realtime) and read',
    intervals: BOTH,
    series: [
      sum('in_app', 'notifications'),
      sum('email', 'notifications'),
      sum('realtime', 'notifications'),
      sum('read', 'notifications'),
    ],
  },
  {
    name: 'queue_depth',
    description: 'Jobs waiting (waiting + delayed) per queue, as of each bucket',
    intervals: BOTH,
    series: QUEUE_NAMES.map((queue) => gauge(queue, 'queue.depth')),
  },
  {
    name: 'queue_jobs',
    description: 'Jobs finished per queue and outcome (<queue>.completed, <queue>.failed)',
    intervals: BOTH,
    series: QUEUE_NAMES.flatMap((queue) =>
      (['completed', 'failed'] as const).map((outcome) =>
        sum(`${queue}.${outcome}`, 'queue.jobs', `${queue}|${outcome}`),
      ),
    ),
  },
  {
    name: 'api_requests',
    description: 'HTTP requests answered (all instances), and those answered 4xx and 5xx',
    intervals: BOTH,
    series: [
      { name: 'requests', metric: 'http.requests', matches: any, kind: 'sum' },
      { name: 'errors_4xx', metric: 'http.requests', matches: endsWith('|4xx'), kind: 'sum' },
      { name: 'errors_5xx', metric: 'http.requests', matches: endsWith('|5xx'), kind: 'sum' },
    ],
  },
  {
    name: 'api_latency',
    description: '95th percentile of HTTP request duration in ms (all instances)',
    intervals: BOTH,
    series: [{ name: 'p95_ms', metric: 'http.duration', matches: any, kind: 'p95' }],
  },
];

export const STATS_METRIC_NAMES = STATS_METRICS.map((metric) => metric.name);

export const statsMetric = (name: string): StatsMetricSpec | undefined =>
  STATS_METRICS.find((metric) => metric.name === name);
