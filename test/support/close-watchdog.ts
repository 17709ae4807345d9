import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';

/** How long a test app's close may take before the watchdog reports what it is waiting for. */
const REPORT_AFTER_MS = 20_000;

const HOOKS = ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;

interface InstanceHost {
  instance?: unknown;
}

interface ModuleRef {
  providers: Map<unknown, InstanceHost>;
  controllers: Map<unknown, InstanceHost>;
  injectables: Map<unknown, InstanceHost>;
  middlewares: Map<unknown, InstanceHost>;
}

/** The parts of a BullMQ 6 worker (and its PostgreSQL backend) the report reads. */
interface BullWorker {
  name: string;
  close(): Promise<void>;
  closed?: boolean;
  closing?: Promise<void>;
  mainLoopRunning?: Promise<void> | null;
  mainLoopQueue?: { numTotal(): number; numQueued(): number } | null;
  waiting?: Promise<unknown> | null;
  backend?: {
    blockingDisconnected?: boolean;
    connection?: { pool?: PoolLike };
  };
}

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const poolStats = ({ totalCount, idleCount, waitingCount }: PoolLike) => ({
  totalCount,
  idleCount,
  waitingCount,
});

interface ContainerHost {
  container: { getModules(): Map<string, ModuleRef> };
  httpAdapter?: { close(): Promise<unknown> };
}

/**
 * Closes a Nest app; if that takes longer than 20 s, writes to stderr which shutdown hooks are
 * still running, the process's active handles and what the app's database sessions are doing.
 * A close that hangs (the 120 s hook timeout) then says why instead of only that it did.
 */
export async function closeWithWatchdog(
  app: INestApplicationContext,
  label: string,
  databaseUrl: string,
): Promise<void> {
  const pending = new Map<string, number>();
  const workers: BullWorker[] = [];
  const host = app as unknown as ContainerHost;
  for (const moduleRef of host.container.getModules().values()) {
    const hosts = [
      ...moduleRef.providers.values(),
      ...moduleRef.controllers.values(),
      ...moduleRef.injectables.values(),
      ...moduleRef.middlewares.values(),
    ];
    for (const { instance } of hosts) {
      if (!instance || typeof instance !== 'object') continue;
      for (const hook of HOOKS) track(instance as Record<string, unknown>, hook, pending);
      // @nestjs/bullmq's explorer closes the workers it created: name each one's close.
      const { workers: explored } = instance as { workers?: unknown };
      if (Array.isArray(explored)) workers.push(...(explored as BullWorker[]));
    }
  }
  for (const worker of workers) {
    track(worker as unknown as Record<string, unknown>, 'close', pending, `Worker(${worker.name})`);
  }
  if (host.httpAdapter) track(host.httpAdapter as Record<string, unknown>, 'close', pending);

  const started = Date.now();
  const timer = setTimeout(
    () => void report(label, started, pending, workers, databaseUrl),
    REPORT_AFTER_MS,
  );
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

let calls = 0;

function track(
  target: Record<string, unknown>,
  method: string,
  pending: Map<string, number>,
  owner = target.constructor?.name ?? 'anonymous',
) {
  const original = target[method];
  if (typeof original !== 'function') return;
  const name = `${owner}.${method}`;
  target[method] = async function (this: unknown, ...args: unknown[]) {
    const key = `${name}#${++calls}`;
    pending.set(key, Date.now());
    try {
      return await (original as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      pending.delete(key);
    }
  };
}

async function report(
  label: string,
  started: number,
  pending: Map<string, number>,
  workers: BullWorker[],
  databaseUrl: string,
): Promise<void> {
  const now = Date.now();
  const lines = [`[close-watchdog] ${label}: close running for ${now - started} ms`];
  for (const [name, since] of pending) lines.push(`  pending ${name} for ${now - since} ms`);
  for (const worker of workers) {
    if (worker.closed) continue;
    lines.push(
      `  worker ${worker.name}: ${JSON.stringify({
        closing: Boolean(worker.closing),
        mainLoop: Boolean(worker.mainLoopRunning),
        inLoop: worker.mainLoopQueue?.numTotal(),
        queued: worker.mainLoopQueue?.numQueued(),
        waiting: Boolean(worker.waiting),
        blockingDisconnected: worker.backend?.blockingDisconnected,
        pool: worker.backend?.connection?.pool && poolStats(worker.backend.connection.pool),
      })}`,
    );
  }
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  const kinds = new Map<string, number>();
  for (const handle of handles) {
    const kind = handle.constructor?.name ?? 'unknown';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  lines.push(`  active handles: ${[...kinds].map(([k, n]) => `${k}×${n}`).join(', ')}`);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<Record<string, unknown>>(
      `SELECT pid, application_name, state, wait_event_type, wait_event,
              now() - query_start AS running_for, pg_blocking_pids(pid) AS blocked_by,
              left(query, 160) AS query
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    for (const row of rows) lines.push(`  pg ${JSON.stringify(row)}`);
    const active = await client
      .query<Record<string, unknown>>(
        `SELECT queue, id, name, processed_at_ms FROM bullmq.job WHERE state = 'active'`,
      )
      .catch(() => ({ rows: [] }));
    for (const row of active.rows) lines.push(`  active job ${JSON.stringify(row)}`);
  } catch (error) {
    lines.push(`  pg_stat_activity unavailable: ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
