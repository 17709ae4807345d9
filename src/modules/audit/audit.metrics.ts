import { Counter, register } from 'prom-client';

// Same module-level, register-once pattern as src/core/observability/metrics.ts: the writer
// runs outside request scope and tests boot several apps in one process.
export const auditEntriesLostTotal =
  (register.getSingleMetric('audit_entries_lost_total') as Counter | undefined) ??
  new Counter({
    name: 'audit_entries_lost_total',
    help: 'Audit log entries dropped after every insert attempt of their batch failed',
  });
