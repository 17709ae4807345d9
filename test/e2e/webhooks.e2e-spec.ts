import { Injectable, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeWebhookSecret } from '../../src/config/webhook-sources.js';
import type { JobEnvelope } from '../../src/core/queue/job-envelope.js';
import { WebhookEventsRepository } from '../../src/modules/webhooks/webhook-events.repository.js';
import {
  type WebhookEvent,
  type WebhookHandler,
  WebhookHandlerFor,
} from '../../src/modules/webhooks/webhook-handlers.js';
import { signWebhook } from '../../src/modules/webhooks/webhook-signature.js';
import {
  PROCESS_WEBHOOK_JOB,
  type ProcessWebhookPayload,
} from '../../src/modules/webhooks/webhooks.jobs.js';
import { WebhooksWorker } from '../../src/modules/webhooks/webhooks.worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const BILLING = newSecret();
const CRM_OLD = newSecret();
const CRM_NEW = newSecret();
const UNKNOWN = newSecret();
const BODY_LIMIT = 4096;

/** The test's own effect of a crm event: a row written through the handler's transaction. */
const EFFECTS_TABLE = 'webhook_test_effects';

@Injectable()
@WebhookHandlerFor('crm')
class CrmTestHandler implements WebhookHandler {
  /** webhook-ids whose first attempt fails after writing its effect. */
  static failOnce = new Set<string>();
  /** webhook-ids whose every attempt fails. */
  static failAlways = new Set<string>();

  async handle(event: WebhookEvent, tx: EntityManager): Promise<void> {
    await tx.query(`INSERT INTO ${EFFECTS_TABLE} (webhook_event_id) VALUES ($1)`, [event.id]);
    if (CrmTestHandler.failOnce.delete(event.eventId)) throw new Error('crm failed once');
    if (CrmTestHandler.failAlways.has(event.eventId)) throw new Error('crm always fails');
  }
}

@Module({ providers: [CrmTestHandler] })
class CrmTestModule {}

interface EventRow {
  id: string;
  source: string;
  event_id: string;
  status: string;
  attempts: number;
  error: string | null;
  payload: Buffer;
  content_type: string | null;
  processed_at: Date | null;
}

describe('webhooks (Standard Webhooks receiver)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await bootApp({
      env: {
        WEBHOOK_SOURCES: 'billing,crm',
        WEBHOOK_BILLING_SECRETS: BILLING,
        WEBHOOK_CRM_SECRETS: `${CRM_OLD},${CRM_NEW}`,
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
        RATE_LIMIT_DEFAULT: '10000/1m',
      },
      extraModules: [CrmTestModule],
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    await db.query(`CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE} (webhook_event_id uuid NOT NULL)`);
  });
  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${EFFECTS_TABLE}`);
    await t?.close();
  });
  beforeEach(() => {
    CrmTestHandler.failOnce.clear();
    CrmTestHandler.failAlways.clear();
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const msgId = (): string => `msg_${randomUUID().replace(/-/g, '')}`;

  interface Delivery {
    source?: string;
    body?: Buffer | string;
    id?: string | null;
    timestamp?: number | string | null;
    /** Secrets to sign with (space-separated signatures), or the header itself. */
    secrets?: string[];
    signature?: string | null;
    contentType?: string | null;
  }

  /** Sends a delivery signed per Standard Webhooks (overridable part by part). */
  const deliver = (d: Delivery = {}) => {
    const id = d.id === undefined ? msgId() : d.id;
    const timestamp = d.timestamp === undefined ? now() : d.timestamp;
    const body = Buffer.from(d.body ?? JSON.stringify({ type: 'invoice.paid', data: { n: 1 } }));
    const signature =
      d.signature !== undefined
        ? d.signature
        : (d.secrets ?? [d.source === 'crm' ? CRM_NEW : BILLING])
            .map((s) => signWebhook(decodeWebhookSecret(s)!, id ?? '', timestamp ?? '', body))
            .join(' ');
    const headers: Record<string, string> = {};
    if (id !== null) headers['webhook-id'] = id;
    if (timestamp !== null) headers['webhook-timestamp'] = String(timestamp);
    if (signature !== null) headers['webhook-signature'] = signature;
    if (d.contentType !== null) headers['content-type'] = d.contentType ?? 'application/json';
    return t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: `/api/v1/webhooks/${d.source ?? 'billing'}`,
        headers,
        payload: body,
      });
  };

  const rowsOf = (eventId: string): Promise<EventRow[]> =>
    db.query('SELECT * FROM webhook_events WHERE event_id = $1', [eventId]);
  const rowCount = async (): Promise<number> =>
    Number((await db.query('SELECT count(*)::int AS n FROM webhook_events'))[0].n);
  const effectsOf = async (id: string): Promise<number> =>
    Number(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM ${EFFECTS_TABLE} WHERE webhook_event_id = $1`,
          [id],
        )
      )[0].n,
    );
  const processed = (eventId: string, status = 'processed'): Promise<EventRow> =>
    eventually(async () => {
      const [row] = await rowsOf(eventId);
      expect(row?.status).toBe(status);
      return row!;
    });

  /** Sends a delivery that must be refused: exact status and code, and nothing stored. */
  const refused = async (d: Delivery, status: number, code: string, field?: string) => {
    const before = await rowCount();
    const res = await deliver(d);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status, code });
    if (field) expect(res.json().errors).toEqual([{ field, message: expect.any(String) }]);
    expect(await rowCount()).toBe(before);
    return res.json() as { errors?: Array<{ field: string; message: string }> };
  };

  it('accepts a valid delivery with 202 { id }, stores the exact bytes and processes it once', async () => {
    const id = msgId();
    // Whitespace as sent: re-serialising the JSON would change the signed bytes.
    const body = '{"type":  "contact.created",\n "data": {"test": 2432232314}}';
    const res = await deliver({ source: 'crm', id, body });
    expect(res.statusCode).toBe(202);
    const { id: stored } = res.json() as { id: string };
    expect(stored).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ratelimit-limit']).toBe('10000');
    const row = await processed(id);
    expect(row).toMatchObject({
      id: stored,
      source: 'crm',
      attempts: 1,
      error: null,
      content_type: 'application/json',
    });
    expect(row.processed_at).toBeInstanceOf(Date);
    expect(row.payload.equals(Buffer.from(body))).toBe(true);
    expect(await effectsOf(stored)).toBe(1);
  });

  it('processes a source without a handler of its own with the built-in logging handler', async () => {
    const id = msgId();
    const res = await deliver({ source: 'billing', id });
    expect(res.statusCode).toBe(202);
    expect(await processed(id)).toMatchObject({ id: res.json().id, attempts: 1, error: null });
  });

  it('answers a replayed webhook-id with 200 and the same id, storing and processing nothing again', async () => {
    const id = msgId();
    const first = await deliver({ source: 'crm', id });
    expect(first.statusCode).toBe(202);
    const stored = first.json().id as string;
    await processed(id);
    const count = await rowCount();
    for (const replay of [
      { source: 'crm', id },
      // A retry is re-signed with a new timestamp, possibly with the other secret.
      { source: 'crm', id, timestamp: now() - 10, secrets: [CRM_OLD] },
      { source: 'crm', id, body: '{"different":"body"}' },
    ]) {
      const res = await deliver(replay);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: stored });
    }
    expect(await rowCount()).toBe(count);
    expect(await rowsOf(id)).toHaveLength(1);
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await effectsOf(stored)).toBe(1);
  });

  it('keeps the same webhook-id of two sources apart', async () => {
    const id = msgId();
    const billing = await deliver({ source: 'billing', id });
    const crm = await deliver({ source: 'crm', id });
    expect([billing.statusCode, crm.statusCode]).toEqual([202, 202]);
    expect(billing.json().id).not.toBe(crm.json().id);
    expect(await rowsOf(id)).toHaveLength(2);
  });

  it('accepts either secret of a source during rotation, and no third one', async () => {
    for (const secrets of [[CRM_OLD], [CRM_NEW], [UNKNOWN, CRM_OLD], [CRM_NEW, UNKNOWN]]) {
      const id = msgId();
      const res = await deliver({ source: 'crm', id, secrets });
      expect(res.statusCode).toBe(202);
      await processed(id);
    }
    await refused(
      { source: 'crm', secrets: [UNKNOWN] },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
    // Another source's secret is a third one too.
    await refused(
      { source: 'crm', secrets: [BILLING] },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
  });

  it('refuses a wrong signature and a tampered body or id', async () => {
    const wrong = `v1,${randomBytes(32).toString('base64')}`;
    const body = await refused({ signature: wrong }, 400, 'WEBHOOK_SIGNATURE_INVALID');
    expect(body.errors).toEqual([
      { field: 'webhook-signature', message: "no signature matches this source's secrets" },
    ]);
    const id = msgId();
    const timestamp = now();
    const signed = Buffer.from('{"amount":100}');
    const signature = signWebhook(decodeWebhookSecret(BILLING)!, id, timestamp, signed);
    await refused(
      { id, timestamp, signature, body: '{"amount":900}' },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
    await refused(
      { id: `${id}x`, timestamp, signature, body: signed },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
    expect(await rowsOf(id)).toHaveLength(0);
  });

  it.each([
    ['webhook-id', { id: null }],
    ['webhook-timestamp', { timestamp: null }],
    ['webhook-signature', { signature: null }],
  ])('refuses a delivery without %s', async (field, delivery) => {
    const body = await refused(delivery, 400, 'WEBHOOK_SIGNATURE_INVALID', field);
    expect(body.errors![0]!.message).toBe(`${field} is required`);
  });

  it.each([
    ['expired', -301],
    ['in the future', 301],
  ])('refuses a timestamp %s beyond the tolerance, and accepts one within it', async (_, skew) => {
    await refused(
      { timestamp: now() + skew },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-timestamp',
    );
    const res = await deliver({ timestamp: now() + Math.sign(skew) * 250 });
    expect(res.statusCode).toBe(202);
  });

  it.each([
    ['a non-numeric timestamp', { timestamp: 'yesterday' }, 'webhook-timestamp'],
    ['a timestamp in milliseconds', { timestamp: Date.now() }, 'webhook-timestamp'],
    ['an id with a "."', { id: 'msg.1' }, 'webhook-id'],
    [
      'a signature without a version',
      { signature: randomBytes(32).toString('base64') },
      'webhook-signature',
    ],
    [
      'a signature of the wrong length',
      { signature: `v1,${randomBytes(20).toString('base64')}` },
      'webhook-signature',
    ],
    [
      'only asymmetric signatures',
      { signature: `v1a,${randomBytes(64).toString('base64')}` },
      'webhook-signature',
    ],
  ])('refuses %s', async (_, delivery, field) => {
    await refused(delivery, 400, 'WEBHOOK_SIGNATURE_INVALID', field);
  });

  it('refuses valid signatures joined by ", " (as a repeated header arrives)', async () => {
    const id = msgId();
    const timestamp = now();
    const body = Buffer.from('{}');
    const sig = signWebhook(decodeWebhookSecret(BILLING)!, id, timestamp, body);
    await refused(
      { id, timestamp, body, signature: `${sig}, ${sig}` },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
  });

  it('answers 404 NOT_FOUND for a source that is not configured, storing nothing', async () => {
    await refused({ source: 'payments' }, 404, 'NOT_FOUND');
    await refused({ source: 'Billing' }, 404, 'NOT_FOUND');
  });

  it('verifies before any parsing: any content type, invalid JSON included', async () => {
    const binary = randomBytes(64);
    const octets = msgId();
    const res = await deliver({
      id: octets,
      body: binary,
      contentType: 'application/octet-stream',
    });
    expect(res.statusCode).toBe(202);
    const row = await processed(octets);
    expect(row.payload.equals(binary)).toBe(true);
    expect(row.content_type).toBe('application/octet-stream');

    const notJson = msgId();
    const text = await deliver({
      id: notJson,
      body: '{"not json',
      contentType: 'application/json',
    });
    expect(text.statusCode).toBe(202);
    const none = await deliver({ body: 'x', contentType: null });
    expect(none.statusCode).toBe(202);
    const empty = await deliver({ body: '' });
    expect(empty.statusCode).toBe(202);
    // Unsigned invalid JSON is a signature problem, not a JSON one: nothing parsed it first.
    await refused(
      { body: '{"not json', signature: `v1,${randomBytes(32).toString('base64')}` },
      400,
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
    );
  });

  it('reads a chunked body (no Content-Length) over a real socket', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const id = msgId();
    const timestamp = now();
    const parts = ['{"type":"chunked",', '"data":', '{"n":2}}'];
    const body = Buffer.from(parts.join(''));
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks/billing`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(decodeWebhookSecret(BILLING)!, id, timestamp, body),
      },
      body: Readable.toWeb(Readable.from(parts.map((p) => Buffer.from(p)))) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(202);
    expect((await processed(id)).payload.equals(body)).toBe(true);
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413, storing nothing', async () => {
    await refused({ body: 'x'.repeat(BODY_LIMIT + 1) }, 413, 'PAYLOAD_TOO_LARGE');
    const res = await deliver({ body: 'x'.repeat(BODY_LIMIT) });
    expect(res.statusCode).toBe(202);
  });

  it('runs the effect once when the job runs twice for one event, in turn or at once', async () => {
    const repository = t.app.get(WebhookEventsRepository);
    const worker = t.app.get(WebhooksWorker);
    const job = (eventId: string) =>
      ({
        id: randomUUID(),
        name: PROCESS_WEBHOOK_JOB,
        queueName: 'webhooks',
        data: { payload: { eventId }, meta: {} },
        attemptsMade: 0,
        opts: { attempts: 3 },
      }) as unknown as Job<JobEnvelope<ProcessWebhookPayload>>;
    // Stored without a queued job, so that only these runs process it.
    const store = async () => {
      const event = {
        id: randomUUID(),
        source: 'crm',
        eventId: msgId(),
        signedAt: new Date(),
        contentType: 'application/json',
        payload: Buffer.from('{}'),
      };
      expect((await repository.insertOnce(event)).created).toBe(true);
      return event.id;
    };

    const sequential = await store();
    expect(await worker.process(job(sequential))).toEqual({ status: 'processed' });
    expect(await worker.process(job(sequential))).toEqual({ status: 'skipped' });
    expect(await effectsOf(sequential)).toBe(1);

    const concurrent = await store();
    const outcomes = await Promise.all([1, 2, 3].map(() => worker.process(job(concurrent))));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['processed', 'skipped', 'skipped']);
    expect(await effectsOf(concurrent)).toBe(1);
  });

  it('rolls back the effect of a failed attempt and retries the event to one effect', async () => {
    const id = msgId();
    CrmTestHandler.failOnce.add(id);
    const res = await deliver({ source: 'crm', id });
    expect(res.statusCode).toBe(202);
    const row = await processed(id);
    expect(row).toMatchObject({ attempts: 2, error: null });
    expect(await effectsOf(row.id)).toBe(1);
  });

  it('marks an event failed after its last attempt, with the error and no effect', async () => {
    const id = msgId();
    CrmTestHandler.failAlways.add(id);
    const res = await deliver({ source: 'crm', id });
    expect(res.statusCode).toBe(202);
    const row = await processed(id, 'failed');
    expect(row).toMatchObject({ attempts: 3, error: 'crm always fails', processed_at: null });
    expect(await effectsOf(row.id)).toBe(0);
    // A replay of a failed event is still a replay: 200, nothing queued again.
    const replay = await deliver({ source: 'crm', id });
    expect(replay.statusCode).toBe(200);
    expect((await rowsOf(id))[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('counts deliveries in webhooks_received_total by source and outcome', async () => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const value = (labels: string): number =>
      Number(
        new RegExp(`^webhooks_received_total\\{${labels}\\} (\\d+)$`, 'm').exec(res.body)?.[1],
      );
    expect(value('source="crm",outcome="accepted"')).toBeGreaterThan(0);
    expect(value('source="crm",outcome="duplicate"')).toBeGreaterThan(0);
    expect(value('source="crm",outcome="rejected"')).toBeGreaterThan(0);
    expect(value('source="billing",outcome="rejected"')).toBeGreaterThan(0);
    expect(value('source="unknown",outcome="rejected"')).toBeGreaterThan(0);
    expect(res.body).not.toContain('source="payments"');
  });
});
