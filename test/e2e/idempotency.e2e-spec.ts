import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { FAST_AUTH, STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { IdempotencyTestModule, TestGates, TestNotes } from '../support/idempotency-test.module.js';
import { graphqlUpload, multipart } from '../support/multipart.js';

const NOTES = '/api/v1/test/idempotency/notes';
const ADD_NOTE = 'mutation Add($text: String!) { addIdempotencyNote(text: $text) { id text } }';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let db: DataSource;
  let notes: TestNotes;
  let gates: TestGates;

  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH }, extraModules: [IdempotencyTestModule] });
    db = t.app.get<DataSource>(getDataSourceToken());
    notes = t.app.get(TestNotes);
    gates = t.app.get(TestGates);
  });
  afterAll(() => t.close());

  const key = (): string => `key-${randomUUID()}`;
  const text = (): string => `note-${randomUUID()}`;
  const post = (
    url: string,
    payload: unknown,
    idempotencyKey?: string,
    options: { token?: string; remoteAddress?: string } = {},
  ): Promise<LightMyRequestResponse> =>
    t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url,
        payload: payload as object,
        remoteAddress: options.remoteAddress,
        headers: {
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      });
  const rows = async (idempotencyKey: string) =>
    (await db.query(
      `SELECT scope, route, response_status, response_body, completed_at
       FROM idempotency_keys WHERE key = $1`,
      [idempotencyKey],
    )) as Array<{
      scope: string;
      route: string;
      response_status: number | null;
      response_body: Buffer | null;
      completed_at: Date | null;
    }>;

  describe('REST', () => {
    it('stores the first answer and replays it, without running the handler again', async () => {
      const k = key();
      const email = uniqueEmail('idem');
      const payload = { email, password: STRONG_PASSWORD };
      const first = await post('/api/v1/auth/register', payload, k);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const userId = first.json().user.id as string;

      const [stored] = await rows(k);
      expect(stored).toMatchObject({
        scope: 'ip:127.0.0.1',
        route: 'POST /api/v1/auth/register',
        response_status: 201,
      });
      const [kept] = await db.query(
        `SELECT expires_at - created_at = interval '24 hours' AS day FROM idempotency_keys
         WHERE key = $1`,
        [k],
      );
      expect(kept.day).toBe(true);
      // Answers carry tokens: the stored body is encrypted.
      expect(stored.response_body!.includes(Buffer.from(first.json().refreshToken))).toBe(false);

      // Same request, keys in another order: the same canonical body.
      const replay = await post('/api/v1/auth/register', { password: STRONG_PASSWORD, email }, k);
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers['content-type']).toBe(first.headers['content-type']);
      expect(replay.body).toBe(first.body);
      expect(replay.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
      const [sessions] = await db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
        [userId],
      );
      expect(sessions.n).toBe(1);
    });

    it('replays the Location header and keeps each caller, route and key apart', async () => {
      const [adminId, otherId] = [randomUUID(), randomUUID()];
      const admin = await t.tokenFor({ id: adminId, roles: ['admin'] });
      const other = await t.tokenFor({ id: otherId, roles: ['admin'] });
      const k = key();
      const body = { format: 'json' };
      const first = await post('/api/v1/audit-logs/exports', body, k, { token: admin });
      expect(first.statusCode, first.body).toBe(202);
      const { jobId } = first.json();
      expect(first.headers.location).toBe(`/api/v1/jobs/${jobId}`);

      const replay = await post('/api/v1/audit-logs/exports', body, k, { token: admin });
      expect(replay.statusCode).toBe(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers.location).toBe(first.headers.location);
      expect(replay.json().jobId).toBe(jobId);

      // Another user with the same key and body: an independent request.
      const theirs = await post('/api/v1/audit-logs/exports', body, k, { token: other });
      expect(theirs.statusCode).toBe(202);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json().jobId).not.toBe(jobId);

      // One job per request that ran, none for the replay.
      const jobs = await t.app
        .get(JobsService)
        .queue('audit')
        .getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
      const ownedBy = (userId: string) =>
        jobs.filter((j) => (j.data as { meta?: { userId?: string } }).meta?.userId === userId);
      expect(ownedBy(adminId).map((j) => j.id)).toEqual([jobId]);
      expect(ownedBy(otherId).map((j) => j.id)).toEqual([theirs.json().jobId]);
      expect((await rows(k)).map((r) => r.scope).sort()).toEqual(
        [`user:${adminId}`, `user:${otherId}`].sort(),
      );

      // The same key on another route is another request too.
      const note = await post(NOTES, { text: text() }, k);
      expect(note.statusCode).toBe(201);
      expect(note.headers['idempotent-replayed']).toBeUndefined();
    });

    it('fingerprints path parameters: the same key on another id is 422, not a replay', async () => {
      const admin = await t.tokenFor({ roles: ['admin'] });
      const k = key();
      const first = await post(`/api/v1/admin/users/${randomUUID()}/unban`, {}, k, {
        token: admin,
      });
      expect(first.statusCode).toBe(404);
      expect((await rows(k))[0]).toMatchObject({
        route: 'POST /api/v1/admin/users/:id/unban',
        response_status: 404,
      });
      const other = await post(`/api/v1/admin/users/${randomUUID()}/unban`, {}, k, {
        token: admin,
      });
      expect(other.statusCode).toBe(422);
      expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('keeps anonymous callers apart by IP', async () => {
      const k = key();
      const payload = { text: text() };
      const mine = await post(NOTES, payload, k, { remoteAddress: '203.0.113.10' });
      const theirs = await post(NOTES, payload, k, { remoteAddress: '198.51.100.20' });
      expect(mine.statusCode).toBe(201);
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json().id).not.toBe(mine.json().id);
      expect(await notes.count(payload.text)).toBe(2);
      expect((await rows(k)).map((r) => r.scope).sort()).toEqual([
        'ip:198.51.100.20',
        'ip:203.0.113.10',
      ]);
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED for another body under the key, writing nothing', async () => {
      const k = key();
      const original = { text: text() };
      expect((await post(NOTES, original, k)).statusCode).toBe(201);
      const changed = { text: text() };
      const res = await post(NOTES, changed, k);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        errors: [{ field: 'Idempotency-Key' }],
      });
      expect(await notes.count(changed.text)).toBe(0);
      expect(await notes.count(original.text)).toBe(1);
      // The stored answer is untouched: the original still replays.
      const replay = await post(NOTES, original, k);
      expect(replay.headers['idempotent-replayed']).toBe('true');
    });

    it('answers 409 IDEMPOTENCY_IN_PROGRESS with Retry-After while the first still runs', async () => {
      const k = key();
      const gate = `gate-${randomUUID()}`;
      const payload = { text: text(), gate };
      const first = post(NOTES, payload, k);
      await eventually(async () => expect(gates.entered(gate)).toBe(1));

      const second = await post(NOTES, payload, k);
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS' });
      expect(second.headers['retry-after']).toBe('1');
      expect(gates.entered(gate)).toBe(1);

      gates.open(gate);
      const done = await first;
      expect(done.statusCode).toBe(201);
      const replay = await post(NOTES, payload, k);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(done.body);
      expect(await notes.count(payload.text)).toBe(1);
    });

    it('runs ten concurrent identical requests exactly once', async () => {
      const k = key();
      const payload = { text: text() };
      const answers = await Promise.all(Array.from({ length: 10 }, () => post(NOTES, payload, k)));
      expect(await notes.count(payload.text)).toBe(1);
      const ran = answers.filter(
        (a) => a.statusCode === 201 && a.headers['idempotent-replayed'] === undefined,
      );
      expect(ran).toHaveLength(1);
      for (const answer of answers) {
        if (answer === ran[0]) continue;
        if (answer.statusCode === 409) {
          expect(answer.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
        } else {
          expect(answer.statusCode).toBe(201);
          expect(answer.headers['idempotent-replayed']).toBe('true');
          expect(answer.body).toBe(ran[0].body);
        }
      }
    });

    it('holds across instances: a second app sees the claim and replays the answer', async () => {
      const second = await bootApp({
        env: { ...FAST_AUTH },
        extraModules: [IdempotencyTestModule],
      });
      try {
        const k = key();
        const gate = `gate-${randomUUID()}`;
        const payload = { text: text(), gate };
        const first = post(NOTES, payload, k);
        await eventually(async () => expect(gates.entered(gate)).toBe(1));
        const elsewhere = await second.rest({
          method: 'POST',
          url: NOTES,
          payload,
          headers: { 'idempotency-key': k },
        });
        expect(elsewhere.statusCode).toBe(409);
        expect(elsewhere.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
        gates.open(gate);
        const done = await first;
        const replay = await second.rest({
          method: 'POST',
          url: NOTES,
          payload,
          headers: { 'idempotency-key': k },
        });
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body).toBe(done.body);
        expect(await notes.count(payload.text)).toBe(1);
      } finally {
        await second.close();
      }
    });

    it('runs the request again once the key has expired', async () => {
      const k = key();
      const payload = { text: text() };
      const first = await post(NOTES, payload, k);
      await db.query(
        `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
        [k],
      );
      const again = await post(NOTES, payload, k);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(again.json().id).not.toBe(first.json().id);
      expect(await notes.count(payload.text)).toBe(2);
      // And the new answer is the one kept.
      const replay = await post(NOTES, payload, k);
      expect(replay.body).toBe(again.body);
    });

    it('deletes expired rows of other keys when it claims one', async () => {
      const old = key();
      await post(NOTES, { text: text() }, old);
      await db.query(
        `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
        [old],
      );
      expect(await rows(old)).toHaveLength(1);
      await post(NOTES, { text: text() }, key());
      expect(await rows(old)).toHaveLength(0);
    });

    it('takes over a claim whose instance died, after the stale window', async () => {
      const k = key();
      const payload = { text: text() };
      // A claim left behind by a crashed instance, long ago.
      await db.query(
        `INSERT INTO idempotency_keys (scope, route, key, fingerprint, owner, created_at, expires_at)
         VALUES ('ip:127.0.0.1', $1, $2, repeat('0', 64), gen_random_uuid(),
                 now() - interval '10 minutes', now() + interval '1 hour')`,
        [`POST ${NOTES}`, k],
      );
      const res = await post(NOTES, payload, k);
      expect(res.statusCode).toBe(201);
      expect(await notes.count(payload.text)).toBe(1);
    });

    it.each([
      ['empty', ''],
      ['too long', 'k'.repeat(256)],
      ['not ASCII', 'caf\u00e9'],
      ['a control character', 'tab\there'],
    ])('refuses a key that is %s with 400 on field Idempotency-Key', async (_name, bad) => {
      const payload = { text: text() };
      const res = await post(NOTES, payload, bad);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'Idempotency-Key' }],
      });
      expect(await notes.count(payload.text)).toBe(0);
      expect(await rows(bad)).toHaveLength(0);
    });

    it('accepts a key of 255 printable characters', async () => {
      const k = `${'~ !'.repeat(85)}`;
      const res = await post(NOTES, { text: text() }, k);
      expect(res.statusCode).toBe(201);
      expect(await rows(k)).toHaveLength(1);
    });

    it('refuses the header on multipart uploads, reading no file', async () => {
      const owner = await post('/api/v1/auth/register', {
        email: uniqueEmail('idem-upload'),
        password: STRONG_PASSWORD,
      });
      const { user, accessToken } = owner.json();
      const k = key();
      const body = multipart([
        { name: 'file', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('hi') },
      ]);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/files',
        payload: body.payload,
        headers: { ...body.headers, 'idempotency-key': k },
        token: accessToken,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'Idempotency-Key' }],
      });
      const [files] = await db.query('SELECT count(*)::int AS n FROM files WHERE owner_id = $1', [
        user.id,
      ]);
      expect(files.n).toBe(0);
      expect(await rows(k)).toHaveLength(0);
    });

    it('releases the key after a 5xx, so that a retry runs', async () => {
      const k = key();
      const payload = { text: text() };
      const failed = await post('/api/v1/test/idempotency/flaky', payload, k);
      expect(failed.statusCode).toBe(500);
      expect(await rows(k)).toHaveLength(0);
      const retry = await post('/api/v1/test/idempotency/flaky', payload, k);
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await notes.count(payload.text)).toBe(2);
      expect((await rows(k))[0].response_status).toBe(201);
    });

    it('does not store a refusal before the handler ran (401)', async () => {
      const k = key();
      const body = { format: 'json' };
      const refused = await post('/api/v1/audit-logs/exports', body, k);
      expect(refused.statusCode).toBe(401);
      expect(await rows(k)).toHaveLength(0);
      const admin = await t.tokenFor({ roles: ['admin'] });
      const res = await post('/api/v1/audit-logs/exports', body, k, { token: admin });
      expect(res.statusCode).toBe(202);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    });

    it('stores a 4xx answer of the handler and replays it', async () => {
      const k = key();
      const invalid = { text: 42 };
      const first = await post(NOTES, invalid, k);
      expect(first.statusCode).toBe(400);
      const replay = await post(NOTES, invalid, k);
      expect(replay.statusCode).toBe(400);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers['content-type']).toContain('application/problem+json');
      expect(replay.body).toBe(first.body);
    });

    it('does not store an answer over 1 MiB: the key is released', async () => {
      const k = key();
      const payload = { text: text() };
      const first = await post('/api/v1/test/idempotency/large', payload, k);
      expect(first.statusCode).toBe(201);
      expect(await rows(k)).toHaveLength(0);
      const again = await post('/api/v1/test/idempotency/large', payload, k);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(await notes.count(payload.text)).toBe(2);
    });

    it('ignores the header on other methods', async () => {
      const res = await t.rest({ url: '/health', headers: { 'idempotency-key': '' } });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('GraphQL', () => {
    const gql = (
      query: string,
      variables: Record<string, unknown>,
      idempotencyKey?: string,
    ): Promise<LightMyRequestResponse> =>
      t.gql(query, {
        variables,
        headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
      });

    it('replays the same JSON for a mutation, running it once', async () => {
      const k = key();
      const variables = { text: text() };
      const first = await gql(ADD_NOTE, variables, k);
      expect(first.statusCode).toBe(200);
      expect(first.json().data.addIdempotencyNote.text).toBe(variables.text);
      expect((await rows(k))[0]).toMatchObject({ route: 'POST /graphql', response_status: 200 });

      const replay = await gql(ADD_NOTE, variables, k);
      expect(replay.statusCode).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers['content-type']).toBe(first.headers['content-type']);
      expect(replay.body).toBe(first.body);
      expect(await notes.count(variables.text)).toBe(1);
    });

    it('replays a real mutation (register) byte for byte', async () => {
      const k = key();
      const register =
        'mutation R($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }';
      const variables = { input: { email: uniqueEmail('idem-gql'), password: STRONG_PASSWORD } };
      const first = await gql(register, variables, k);
      expect(first.json().data.register.user.id).toBeDefined();
      const replay = await gql(register, variables, k);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(first.body);
      const [users] = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [
        variables.input.email,
      ]);
      expect(users.n).toBe(1);
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED for other variables, writing nothing', async () => {
      const k = key();
      const original = { text: text() };
      await gql(ADD_NOTE, original, k);
      const changed = { text: text() };
      const res = await gql(ADD_NOTE, changed, k);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await notes.count(changed.text)).toBe(0);
    });

    it('answers 409 with Retry-After while the first mutation runs', async () => {
      const k = key();
      const gate = `gate-${randomUUID()}`;
      const variables = { text: text(), gate };
      const gated =
        'mutation Add($text: String!, $gate: String) { addIdempotencyNote(text: $text, gate: $gate) { id } }';
      const first = gql(gated, variables, k);
      await eventually(async () => expect(gates.entered(gate)).toBe(1));

      const second = await gql(gated, variables, k);
      expect(second.statusCode).toBe(409);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.json().errors[0].extensions.code).toBe('IDEMPOTENCY_IN_PROGRESS');
      expect(gates.entered(gate)).toBe(1);

      gates.open(gate);
      expect((await first).statusCode).toBe(200);
      expect(await notes.count(variables.text)).toBe(1);
    });

    it('releases the key when a resolver fails with INTERNAL (a 200 with errors)', async () => {
      const k = key();
      const flaky = 'mutation F($text: String!) { addFlakyIdempotencyNote(text: $text) { id } }';
      const variables = { text: text() };
      const failed = await gql(flaky, variables, k);
      expect(failed.json().errors[0].extensions.code).toBe('INTERNAL');
      expect(await rows(k)).toHaveLength(0);
      const retry = await gql(flaky, variables, k);
      expect(retry.json().data.addFlakyIdempotencyNote.id).toBeDefined();
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await notes.count(variables.text)).toBe(2);
    });

    it('covers a batch holding a mutation, replaying the whole answer', async () => {
      const k = key();
      const batch = [
        { query: ADD_NOTE, variables: { text: text() } },
        { query: 'query { __typename }' },
      ];
      const send = () =>
        t.app
          .getHttpAdapter()
          .getInstance()
          .inject({
            method: 'POST',
            url: '/graphql',
            headers: { 'content-type': 'application/json', 'idempotency-key': k },
            payload: batch,
          });
      const first = await send();
      expect(first.statusCode).toBe(200);
      expect(first.json()).toHaveLength(2);
      const replay = await send();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(first.body);
      expect(await notes.count(batch[0].variables!.text)).toBe(1);
    });

    it('refuses the header on a multipart upload with 400', async () => {
      const k = key();
      const upload = graphqlUpload(
        'mutation ($file: Upload!) { uploadAvatar(file: $file) { id } }',
        {
          filename: 'a.png',
          contentType: 'image/png',
          data: Buffer.from('not really a png'),
        },
      );
      const res = await t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/graphql',
          headers: { ...upload.headers, 'graphql-preflight': '1', 'idempotency-key': k },
          payload: upload.payload,
        });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await rows(k)).toHaveLength(0);
    });

    it('ignores the header on a query, even a malformed one', async () => {
      for (const k of [key(), '']) {
        const res = await gql('query { __typename }', {}, k);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ data: { __typename: 'Query' } });
        expect(res.headers['idempotent-replayed']).toBeUndefined();
        expect(await rows(k)).toHaveLength(0);
      }
    });

    it('refuses a malformed key on a mutation with 400, running nothing', async () => {
      const variables = { text: text() };
      const res = await gql(ADD_NOTE, variables, 'k'.repeat(256));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await notes.count(variables.text)).toBe(0);
    });
  });

  it('counts outcomes in idempotency_requests_total', async () => {
    const res = await t.rest({ url: '/metrics' });
    for (const outcome of ['stored', 'replayed', 'conflict', 'mismatch', 'released']) {
      expect(res.body).toMatch(
        new RegExp(`^idempotency_requests_total\\{outcome="${outcome}"\\} [1-9]`, 'm'),
      );
    }
  });
});
