import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  auditEntriesWrittenTotal,
  auditWriteFailuresTotal,
} from '../../core/observability/metrics.js';
import type { ActorType, AuditStatus } from './audit-log.entity.js';
import { auditEntriesLostTotal } from './audit.metrics.js';
import { AuditRepository, type EncodedAuditRow } from './audit.repository.js';

/** One row of audit_log, as written. */
export interface AuditEntry {
  occurredAt: Date;
  actorId: string | null;
  actorType: ActorType;
  action: string;
  entityType: string | null;
  entityId: string | null;
  oldValues: unknown;
  newValues: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  status: AuditStatus;
  description: string | null;
  /** The API key the actor used (actor_type 'api'). */
  apiKeyId?: string | null;
}

export const FLUSH_INTERVAL_MS = 250;
export const FLUSH_BATCH_SIZE = 500;
/** Waits before the 2nd and 3rd insert attempt of a batch; then it is given up. */
export const RETRY_DELAYS_MS = [100, 400] as const;

const cut = (value: string | null, max: number): string | null =>
  value === null ? null : value.slice(0, max);
const json = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

/** The row as stored: bounded to the column sizes, JSON encoded (throws on a circular value). */
const encode = (e: AuditEntry): EncodedAuditRow => [
  e.occurredAt,
  e.actorId,
  e.actorType,
  e.action.slice(0, 100),
  cut(e.entityType, 50),
  cut(e.entityId, 100),
  json(e.oldValues),
  json(e.newValues),
  cut(e.ip, 64),
  cut(e.userAgent, 512),
  cut(e.requestId, 128),
  e.status,
  cut(e.description, 1000),
  e.apiKeyId ?? null,
];

/**
 * Buffers audit entries in memory and writes them with one multi-row INSERT every 250 ms or at
 * 500 entries, and on shutdown before the database closes. A failed INSERT is logged, counted
 * (audit_write_failures_total) and retried after 100 ms and 400 ms; if all three attempts fail,
 * the batch is dropped and counted in audit_entries_lost_total. Requests never wait for any of it.
 */
@Injectable()
export class AuditWriter implements OnModuleDestroy {
  private readonly logger = new Logger(AuditWriter.name);
  private buffer: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repo: AuditRepository) {}

  write(entry: AuditEntry): void {
    this.buffer.push(entry);
    if (this.buffer.length >= FLUSH_BATCH_SIZE) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is written (or given up). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing
      .then(() => (batch.length ? this.insert(batch) : undefined))
      .catch((error: unknown) => {
        // Only building the statement can throw here (e.g. a value JSON cannot encode); the
        // chain must stay resolved or every later flush would be skipped.
        auditEntriesLostTotal.inc(batch.length);
        this.logger.error(
          { err: error, entries: batch.length },
          'Audit flush failed; entries lost',
        );
      });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private async insert(batch: AuditEntry[]): Promise<void> {
    for (let chunk = 0; chunk < batch.length; chunk += FLUSH_BATCH_SIZE) {
      await this.insertChunk(batch.slice(chunk, chunk + FLUSH_BATCH_SIZE));
    }
  }

  private async insertChunk(batch: AuditEntry[]): Promise<void> {
    const rows = batch.map(encode);
    const attempts = RETRY_DELAYS_MS.length + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.repo.insertMany(rows);
        auditEntriesWrittenTotal.inc(batch.length);
        return;
      } catch (error) {
        auditWriteFailuresTotal.inc();
        const delay = RETRY_DELAYS_MS[attempt - 1];
        if (delay === undefined) {
          auditEntriesLostTotal.inc(batch.length);
          this.logger.error(
            { err: error, entries: batch.length, attempt },
            'Audit flush failed; entries lost',
          );
          return;
        }
        this.logger.warn(
          { err: error, entries: batch.length, attempt },
          `Audit flush failed; retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
