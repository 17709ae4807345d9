import { getDataSourceToken } from '@nestjs/typeorm';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { FAST_AUTH, registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { bootApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import {
  NOTIFICATION_ADDED,
  openAuthenticatedGraphqlWs,
  openGraphqlWs,
} from '../support/graphql-ws.js';
import { openSse, type SseStream } from '../support/sse.js';

const REPLAY_LIMIT = 3;
const MAX_PER_IP = 8;

/** Real-time push on one instance: SSE and graphql-ws, filters, replay, limits, tickets. */
describe('notifications in real time (SSE and graphql-ws)', () => {
  let t: TestApp;
  let base: string;
  let db: DataSource;
  const streams: SseStream[] = [];

  beforeAll(async () => {
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        NOTIFICATIONS_STREAM_REPLAY_LIMIT: String(REPLAY_LIMIT),
        NOTIFICATIONS_STREAM_MAX_PER_IP: String(MAX_PER_IP),
        NOTIFICATIONS_STREAM_INIT_TIMEOUT_MS: '300',
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await t?.close();
  });

  const notify = (userId: string, title = `hello ${randomUUID().slice(0, 6)}`) =>
    t.app.get(NotificationsService).notify('system_announcement', { userId, title, body: 'b' });
  const rowsOf = async (userId: string): Promise<number> =>
    Number(
      (
        (await db.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1', [
          userId,
        ])) as Array<{ n: number }>
      )[0].n,
    );
  const sse = async (
    user: { accessToken: string } | null,
    query = '',
    headers: Record<string, string> = {},
  ): Promise<SseStream> => {
    const stream = await openSse(`${base}/api/v1/notifications/stream${query}`, {
      ...(user ? { authorization: `Bearer ${user.accessToken}` } : {}),
      ...headers,
    });
    streams.push(stream);
    return stream;
  };
  const problem = async (stream: SseStream) => JSON.parse(await stream.body()) as { code: string };
  const wsUrl = () => `${base.replace('http', 'ws')}/graphql`;

  describe('SSE', () => {
    let alice: RegisteredUser;
    let bob: RegisteredUser;
    beforeAll(async () => {
      alice = await registerUser(t);
      bob = await registerUser(t);
    });

    it("receives the user's notifications as `notification` events, not another user's", async () => {
      const mine = await sse(alice);
      expect(mine.status).toBe(200);
      expect(mine.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(mine.retries[0] ?? (await eventually(async () => mine.retries[0]))).toBeGreaterThan(0);
      const theirs = await sse(bob);

      const created = await notify(alice.id, 'for alice');
      const event = await mine.next((e) => e.event === 'notification');
      expect(event.id).toBe(created!.id);
      expect(JSON.parse(event.data)).toMatchObject({
        id: created!.id,
        type: 'system_announcement',
        title: 'for alice',
        message: 'b',
      });
      const forBob = await notify(bob.id, 'for bob');
      expect((await theirs.next((e) => e.event === 'notification')).id).toBe(forBob!.id);
      expect(theirs.events.map((e) => e.id)).not.toContain(created!.id);
      expect(mine.events.map((e) => e.id)).not.toContain(forBob!.id);
      mine.close();
      theirs.close();
    });

    it('filters by type', async () => {
      const other = await sse(alice, '?type=security_alert');
      const announcements = await sse(alice, '?type=system_announcement');
      const created = await notify(alice.id);
      expect((await announcements.next()).id).toBe(created!.id);
      expect(other.events).toEqual([]);
      other.close();
      announcements.close();
    });

    it('refuses a malformed type filter: 400 VALIDATION_FAILED', async () => {
      const res = await t.rest({
        url: '/api/v1/notifications/stream?type=Not-A-Type',
        token: alice.accessToken,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.json().errors[0].field).toBe('type');
    });

    it('replays what was missed after Last-Event-ID, and sends resync beyond the bound', async () => {
      const user = await registerUser(t);
      const first = await notify(user.id, 'first');
      const missed = [await notify(user.id, 'm1'), await notify(user.id, 'm2')];

      const resumed = await sse(user, '', { 'last-event-id': first!.id });
      const replayed = await eventually(async () => {
        expect(resumed.events).toHaveLength(2);
        return resumed.events;
      });
      expect(replayed.map((e) => e.id)).toEqual(missed.map((m) => m!.id));
      const live = await notify(user.id, 'live');
      expect((await resumed.next((e) => e.id === live!.id)).event).toBe('notification');
      resumed.close();

      for (let i = 0; i < REPLAY_LIMIT; i++) await notify(user.id, `more ${i}`);
      const tooFar = await sse(user, '', { 'last-event-id': first!.id });
      expect((await tooFar.next()).event).toBe('resync');
      // Nothing was replayed before the resync; a "more" still on the bus may arrive live after it.
      expect(tooFar.events[0].event).toBe('resync');
      tooFar.close();

      const unknown = await sse(user, '', { 'last-event-id': randomUUID() });
      expect((await unknown.next()).event).toBe('resync');
      unknown.close();
      // Another user's id is unknown to this one.
      const foreign = await sse(alice, '', { 'last-event-id': first!.id });
      expect((await foreign.next()).event).toBe('resync');
      foreign.close();
    });

    it('refuses the 6th stream of a user with 429 RATE_LIMIT_EXCEEDED', async () => {
      const user = await registerUser(t);
      const open = [];
      for (let i = 0; i < 5; i++) open.push(await sse(user));
      expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
      const sixth = await sse(user);
      expect(sixth.status).toBe(429);
      expect(sixth.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await problem(sixth)).code).toBe('RATE_LIMIT_EXCEEDED');
      open[0].close();
      await eventually(async () => expect((await sse(user)).status).toBe(200));
      for (const stream of open) stream.close();
    });

    it('refuses streams beyond the per-IP limit', async () => {
      const users = await Promise.all(
        Array.from({ length: MAX_PER_IP + 1 }, () => registerUser(t)),
      );
      for (const stream of streams) stream.close();
      await eventually(async () => {
        const probe = await sse(users[0]);
        probe.close();
        expect(probe.status).toBe(200);
      });
      await eventually(async () => {
        const opened = [];
        for (const user of users.slice(0, MAX_PER_IP)) opened.push(await sse(user));
        try {
          expect(opened.map((s) => s.status)).toEqual(Array(MAX_PER_IP).fill(200));
        } finally {
          if (opened.some((s) => s.status !== 200)) for (const s of opened) s.close();
        }
      });
      const over = await sse(users[MAX_PER_IP]);
      expect(over.status).toBe(429);
      expect((await problem(over)).code).toBe('RATE_LIMIT_EXCEEDED');
      for (const stream of streams) stream.close();
    });

    it('refuses an expired, forged or missing token with 401 UNAUTHENTICATED', async () => {
      const expired = await new SignJWT({ roles: ['user'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(alice.id)
        .setIssuer('nest-starter')
        .setAudience('nest-starter-api')
        .setJti(randomUUID())
        .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const forged = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(alice.id)
        .setIssuer('nest-starter')
        .setAudience('nest-starter-api')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('not the secret of this app, but long enough'));
      for (const token of [expired, forged, 'garbage']) {
        const stream = await sse({ accessToken: token });
        expect(stream.status).toBe(401);
        expect((await problem(stream)).code).toBe('UNAUTHENTICATED');
      }
      const anonymous = await sse(null);
      expect(anonymous.status).toBe(401);
      expect((await problem(anonymous)).code).toBe('UNAUTHENTICATED');
    });

    it('opens with a ticket once; a used, unknown or expired ticket is 401', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/notifications/stream/tickets',
        token: user.accessToken,
      });
      expect(res.statusCode, res.body).toBe(201);
      const { ticket, expiresAt } = res.json() as { ticket: string; expiresAt: string };
      expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
      const stored = (await db.query(
        'SELECT encode(token_hash, $2) AS hash FROM notification_stream_tickets WHERE user_id = $1',
        [user.id, 'hex'],
      )) as Array<{ hash: string }>;
      expect(stored).toHaveLength(1);
      expect(stored[0].hash).not.toContain(ticket);

      const stream = await sse(null, `?ticket=${ticket}`);
      expect(stream.status).toBe(200);
      const created = await notify(user.id);
      expect((await stream.next()).id).toBe(created!.id);

      const again = await sse(null, `?ticket=${ticket}`);
      expect(again.status).toBe(401);
      expect((await problem(again)).code).toBe('UNAUTHENTICATED');
      const unknown = await sse(null, `?ticket=${'x'.repeat(43)}`);
      expect(unknown.status).toBe(401);

      const late = await t.rest({
        method: 'POST',
        url: '/api/v1/notifications/stream/tickets',
        token: user.accessToken,
      });
      await db.query(
        `UPDATE notification_stream_tickets SET expires_at = now() - interval '1 second'
         WHERE user_id = $1`,
        [user.id],
      );
      const expired = await sse(null, `?ticket=${late.json().ticket}`);
      expect(expired.status).toBe(401);
      expect(
        await db.query('SELECT 1 FROM notification_stream_tickets WHERE user_id = $1', [user.id]),
      ).toEqual([]);
      stream.close();
    });

    it('a ticket needs authentication to be created (401, nothing stored)', async () => {
      const before = (await db.query(
        'SELECT count(*)::int AS n FROM notification_stream_tickets',
      )) as Array<{ n: number }>;
      const res = await t.rest({ method: 'POST', url: '/api/v1/notifications/stream/tickets' });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
      const after = (await db.query(
        'SELECT count(*)::int AS n FROM notification_stream_tickets',
      )) as Array<{ n: number }>;
      expect(after[0].n).toBeLessThanOrEqual(before[0].n);
    });

    it('closes the open stream of a session that was revoked (logout)', async () => {
      const user = await registerUser(t);
      const stream = await sse(user);
      expect(stream.status).toBe(200);
      const out = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/logout',
        token: user.accessToken,
        payload: { refreshToken: user.refreshToken },
      });
      expect(out.statusCode, out.body).toBeLessThan(300);
      await stream.ended;
      const reopened = await sse(user);
      expect(reopened.status).toBe(401);
      expect(await rowsOf(user.id)).toBe(0);
    });
  });

  describe('graphql-ws subscription notificationAdded', () => {
    let carol: RegisteredUser;
    beforeAll(async () => {
      carol = await registerUser(t);
    });

    it('receives the same notifications, with the type filter, and GraphQL over HTTP still works', async () => {
      const ws = await openAuthenticatedGraphqlWs(wsUrl(), carol.accessToken);
      ws.send({ id: 'all', type: 'subscribe', payload: { query: NOTIFICATION_ADDED } });
      ws.send({
        id: 'security',
        type: 'subscribe',
        payload: { query: NOTIFICATION_ADDED, variables: { type: 'security_alert' } },
      });
      const other = await openAuthenticatedGraphqlWs(wsUrl(), (await registerUser(t)).accessToken);
      other.send({ id: 'all', type: 'subscribe', payload: { query: NOTIFICATION_ADDED } });

      const created = await eventually(async () => {
        const row = await notify(carol.id, 'over ws');
        await ws.next((m) => m.type === 'next' && m.id === 'all', 500);
        return row;
      });
      const message = ws.messages.find((m) => m.type === 'next' && m.id === 'all');
      expect(message?.payload).toMatchObject({
        data: { notificationAdded: { type: 'system_announcement', title: 'over ws' } },
      });
      expect(created).not.toBeNull();
      expect(ws.messages.filter((m) => m.id === 'security')).toEqual([]);
      expect(other.messages.filter((m) => m.type === 'next')).toEqual([]);

      const http = await t.gql('{ __typename }', { token: carol.accessToken });
      expect(http.statusCode).toBe(200);
      expect(http.json()).toEqual({ data: { __typename: 'Query' } });
      ws.close();
      other.close();
    });

    it('refuses connection_init without a valid token', async () => {
      for (const payload of [undefined, {}, { authorization: 'Bearer forged' }]) {
        const ws = await openGraphqlWs(wsUrl());
        ws.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
        const answer = await ws.next((m) => m.type !== 'ping');
        expect(answer.type).toBe('connection_error');
        await ws.closed;
        expect(ws.messages.map((m) => m.type)).not.toContain('connection_ack');
      }
    });

    it('closes with 4408 when connection_init does not arrive in time', async () => {
      const ws = await openGraphqlWs(wsUrl());
      expect((await ws.closed).code).toBe(4408);
    });

    it('closes the 6th subscription of a user with 4429', async () => {
      const user = await registerUser(t);
      const sockets = [];
      for (let i = 0; i < 5; i++) {
        const ws = await openAuthenticatedGraphqlWs(wsUrl(), user.accessToken);
        ws.send({ id: '1', type: 'subscribe', payload: { query: NOTIFICATION_ADDED } });
        sockets.push(ws);
      }
      await eventually(async () => {
        const res = await t.rest({ url: '/metrics' });
        expect(res.body).toMatch(
          /notifications_realtime_connections\{transport="graphql_ws"\} ([5-9]|\d\d)/,
        );
      });
      const sixth = await openAuthenticatedGraphqlWs(wsUrl(), user.accessToken);
      sixth.send({ id: '1', type: 'subscribe', payload: { query: NOTIFICATION_ADDED } });
      expect((await sixth.closed).code).toBe(4429);
      for (const ws of sockets) ws.close();
    });

    it('refuses a message larger than the bound (1009)', async () => {
      const ws = await openAuthenticatedGraphqlWs(wsUrl(), carol.accessToken);
      ws.send({
        type: 'subscribe',
        id: 'big',
        payload: { query: `# ${'x'.repeat(70_000)}\n${NOTIFICATION_ADDED}` },
      });
      expect((await ws.closed).code).toBe(1009);
    });
  });

  it('counts realtime deliveries and exposes the stream metrics', async () => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.body).toMatch(
      /notifications_sent_total\{type="system_announcement",channel="realtime"\} \d+/,
    );
    expect(res.body).toMatch(/notifications_realtime_dropped_total\{reason="over_limit"\} \d+/);
    expect(res.body).toContain('notifications_delivery_seconds_bucket');
    expect(res.body).toContain('notifications_realtime_connections{transport="sse"}');
  });
});
