import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  auditEntriesWrittenTotal,
  auditWriteFailuresTotal,
} from '../../core/observability/metrics.js';
import { auditEntriesLostTotal } from './audit.metrics.js';
import { AuditRepository } from './audit.repository.js';
import {
  type AuditEntry,
  AuditWriter,
  FLUSH_BATCH_SIZE,
  FLUSH_INTERVAL_MS,
  RETRY_DELAYS_MS,
} from './audit-writer.js';

const entry = (n: number): AuditEntry => ({
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  actorId: null,
  actorType: 'system',
  action: `test.${n}`,
  entityType: null,
  entityId: null,
  oldValues: null,
  newValues: { n },
  ip: null,
  userAgent: null,
  requestId: null,
  status: 'success',
  description: null,
});

const counter = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await metric.get()).values[0]?.value ?? 0;

/** Rows per INSERT call: 14 bind parameters per row. */
const rowsOf = (call: unknown[]): number => (call[1] as unknown[]).length / 14;

describe('AuditWriter', () => {
  let query: ReturnType<typeof vi.fn>;
  let writer: AuditWriter;

  beforeEach(() => {
    vi.useFakeTimers();
    query = vi.fn().mockResolvedValue([]);
    writer = new AuditWriter(new AuditRepository({ query } as unknown as DataSource));
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('buffers entries and writes them in one INSERT after the flush interval', async () => {
    const written = await counter(auditEntriesWrittenTotal);
    for (let i = 0; i < 3; i++) writer.write(entry(i));
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS - 1);
    expect(query).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(query).toHaveBeenCalledTimes(1);
    const [sql, params] = query.mock.calls[0] as [string, unknown[]];
    expect(sql).toMatch(/^INSERT INTO audit_log/);
    expect(rowsOf(query.mock.calls[0])).toBe(3);
    expect(params[7]).toBe(JSON.stringify({ n: 0 }));
    expect(await counter(auditEntriesWrittenTotal)).toBe(written + 3);
  });

  it(`flushes at once when ${FLUSH_BATCH_SIZE} entries are buffered, without waiting`, async () => {
    for (let i = 0; i < FLUSH_BATCH_SIZE - 1; i++) writer.write(entry(i));
    await Promise.resolve();
    expect(query).not.toHaveBeenCalled();
    writer.write(entry(FLUSH_BATCH_SIZE));
    await vi.advanceTimersByTimeAsync(0);
    expect(query).toHaveBeenCalledTimes(1);
    expect(rowsOf(query.mock.calls[0])).toBe(FLUSH_BATCH_SIZE);
    // The interval timer was cleared: nothing more is written later.
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS * 4);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('retries a failed INSERT with backoff and counts each failed attempt', async () => {
    const failures = await counter(auditWriteFailuresTotal);
    const lost = await counter(auditEntriesLostTotal);
    query.mockRejectedValueOnce(new Error('db down')).mockResolvedValueOnce([]);
    writer.write(entry(1));
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS);
    expect(query).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_MS[0] - 1);
    expect(query).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(query).toHaveBeenCalledTimes(2);
    expect(query.mock.calls[1]).toEqual(query.mock.calls[0]);
    expect(await counter(auditWriteFailuresTotal)).toBe(failures + 1);
    expect(await counter(auditEntriesLostTotal)).toBe(lost);
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
  });

  it('gives a batch up after three attempts: logged, counted as lost, later batches still written', async () => {
    const failures = await counter(auditWriteFailuresTotal);
    const lost = await counter(auditEntriesLostTotal);
    query.mockRejectedValue(new Error('db down'));
    writer.write(entry(1));
    writer.write(entry(2));
    const done = writer.flush();
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0));
    await done;
    expect(query).toHaveBeenCalledTimes(3);
    expect(await counter(auditWriteFailuresTotal)).toBe(failures + 3);
    expect(await counter(auditEntriesLostTotal)).toBe(lost + 2);
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      expect.objectContaining({ entries: 2, attempt: 3 }),
      'Audit flush failed; entries lost',
    );

    query.mockReset().mockResolvedValue([]);
    writer.write(entry(3));
    await writer.flush();
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('keeps flushing after a batch that cannot even be encoded', async () => {
    const lost = await counter(auditEntriesLostTotal);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    writer.write({ ...entry(1), newValues: circular });
    await writer.flush();
    expect(await counter(auditEntriesLostTotal)).toBe(lost + 1);
    writer.write(entry(2));
    await writer.flush();
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('writes everything pending on shutdown, after a flush already in flight', async () => {
    let release: () => void = () => undefined;
    query.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve([]))));
    for (let i = 0; i < FLUSH_BATCH_SIZE; i++) writer.write(entry(i));
    writer.write(entry(-1));
    writer.write(entry(-2));
    const shutdown = writer.onModuleDestroy();
    await vi.advanceTimersByTimeAsync(0);
    expect(query).toHaveBeenCalledTimes(1);
    release();
    await shutdown;
    expect(query).toHaveBeenCalledTimes(2);
    expect(rowsOf(query.mock.calls[1])).toBe(2);
  });

  it('writes a flush larger than one batch in chunks of 500 rows', async () => {
    // Entries written while a flush is under way pile up beyond the batch size.
    for (let i = 0; i < FLUSH_BATCH_SIZE - 1; i++) writer.write(entry(i));
    (writer as unknown as { buffer: AuditEntry[] }).buffer.push(
      ...Array.from({ length: FLUSH_BATCH_SIZE }, (_, i) => entry(i)),
    );
    await writer.flush();
    expect(query.mock.calls.map(rowsOf)).toEqual([FLUSH_BATCH_SIZE, FLUSH_BATCH_SIZE - 1]);
  });
});
