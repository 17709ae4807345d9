import { Counter, Gauge, Histogram, register } from 'prom-client';

// Core metrics live at module level: they are fed from Fastify hooks, TypeORM and BullMQ
// callbacks that sit outside Nest's container. Feature modules use @willsoto providers.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function once<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const httpRequestsTotal = once(
  'http_requests_total',
  () =>
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status'] as const,
    }),
);

export const httpRequestDuration = once(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
    }),
);

export const httpRequestsInFlight = once(
  'http_requests_in_flight',
  () =>
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served right now',
    }),
);

export const graphqlOperationsTotal = once(
  'graphql_operations_total',
  () =>
    new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation type and name',
      labelNames: ['type', 'operation'] as const,
    }),
);

export const graphqlOperationDuration = once(
  'graphql_operation_duration_seconds',
  () =>
    new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation duration in seconds, by operation type and name',
      labelNames: ['type', 'operation'] as const,
      buckets: LATENCY_BUCKETS,
    }),
);

export const graphqlErrorsTotal = once(
  'graphql_errors_total',
  () =>
    new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by operation name and error code',
      labelNames: ['operation', 'code'] as const,
    }),
);

export const graphqlQueryComplexity = once(
  'graphql_query_complexity',
  () =>
    new Histogram({
      name: 'graphql_query_complexity',
      help: 'Estimated cost of GraphQL operations',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    }),
);

export const dbQueryDuration = once(
  'db_query_duration_seconds',
  () =>
    new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Database query duration in seconds, by statement kind and outcome',
      labelNames: ['operation', 'success'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    }),
);

export const queueJobsTotal = once(
  'queue_jobs_total',
  () =>
    new Counter({
      name: 'queue_jobs_total',
      help: 'Background jobs finished, by queue and outcome (completed, failed, retried)',
      labelNames: ['queue', 'outcome'] as const,
    }),
);

export const emailsSentTotal = once(
  'emails_sent_total',
  () =>
    new Counter({
      name: 'emails_sent_total',
      help: 'Mails handled by the mail worker, by template and outcome (sent, or failed for good)',
      labelNames: ['template', 'outcome'] as const,
    }),
);

export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}
let poolStatsSource: (() => PoolStats | undefined) | undefined;

/** The database module tells the pool gauge where to read from. */
export function setPoolStatsSource(source: (() => PoolStats | undefined) | undefined): void {
  poolStatsSource = source;
}

export const dbPoolConnections = once(
  'db_pool_connections',
  () =>
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state (max, total, idle, in_use, waiting)',
      labelNames: ['state'] as const,
      collect() {
        const stats = poolStatsSource?.();
        if (!stats) return;
        this.set({ state: 'max' }, stats.max);
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'in_use' }, stats.total - stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    }),
);

type DepthRow = { queue: string; state: string; count: number };
let queueDepthSource: (() => Promise<DepthRow[]>) | undefined;

export function setQueueDepthSource(source: (() => Promise<DepthRow[]>) | undefined): void {
  queueDepthSource = source;
}

export const queueDepth = once(
  'queue_jobs',
  () =>
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, failed, completed)',
      labelNames: ['queue', 'state'] as const,
      async collect() {
        const rows = await queueDepthSource?.().catch(() => []);
        this.reset();
        for (const row of rows ?? []) this.set({ queue: row.queue, state: row.state }, row.count);
      },
    }),
);

export const auditEntriesWrittenTotal = once(
  'audit_entries_written_total',
  () =>
    new Counter({
      name: 'audit_entries_written_total',
      help: 'Audit log entries written to the database',
    }),
);

export const auditEntriesDeletedTotal = once(
  'audit_entries_deleted_total',
  () =>
    new Counter({
      name: 'audit_entries_deleted_total',
      help: 'Audit log entries deleted by retention',
    }),
);

export const auditWriteFailuresTotal = once(
  'audit_write_failures_total',
  () =>
    new Counter({
      name: 'audit_write_failures_total',
      help: 'Audit log batch inserts that failed (each failed attempt counts)',
    }),
);

export const revocationEntries = once(
  'access_revocations_entries',
  () =>
    new Gauge({
      name: 'access_revocations_entries',
      help: 'Revoked sessions and blocked users whose access tokens are refused, held in memory',
      labelNames: ['kind'] as const,
    }),
);

export const revocationListenerConnected = once(
  'access_revocations_listener_connected',
  () =>
    new Gauge({
      name: 'access_revocations_listener_connected',
      help: '1 while this instance receives revocations from the others (LISTEN), else 0',
    }),
);

export const idempotencyRequestsTotal = once(
  'idempotency_requests_total',
  () =>
    new Counter({
      name: 'idempotency_requests_total',
      help:
        'Requests with an Idempotency-Key, by outcome: stored, replayed, conflict (still running), ' +
        'mismatch (other body), released (not stored: 5xx, refused, too large or streamed)',
      labelNames: ['outcome'] as const,
    }),
);

export const circuitBreakerState = once(
  'circuit_breaker_state',
  () =>
    new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker per outgoing dependency: 0 closed, 1 half-open, 2 open',
      labelNames: ['dependency'] as const,
    }),
);

export const dependencyRejectionsTotal = once(
  'dependency_rejections_total',
  () =>
    new Counter({
      name: 'dependency_rejections_total',
      help: 'Outgoing calls refused or cut short, by dependency and reason (open, bulkhead, timeout)',
      labelNames: ['dependency', 'reason'] as const,
    }),
);
