import { getDataSourceToken } from '@nestjs/typeorm';
import type { LightMyRequestResponse } from 'fastify';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeysModule } from '../../src/modules/api-keys/api-keys.module.js';
import { ApiKeysRepository } from '../../src/modules/api-keys/api-keys.repository.js';
import { generateApiKey } from '../../src/modules/api-keys/api-key-format.js';
import { FAST_AUTH, type RegisteredUser, registerUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { bootstrapAdmin, createUser } from '../support/users.js';

const PER_KEY_LIMIT = 30;
const INVALID_PER_IP = 5;
const MAX_PER_ACCOUNT = 10;

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  expiresAt: string;
}

/**
 * API keys: created once and shown once, authenticate REST and GraphQL within their scopes,
 * stop when expired, revoked or rotated (on every instance), are limited per key and (when
 * invalid) per IP before any lookup, and are audited and announced.
 */
describe('API keys', () => {
  const admin = bootstrapAdmin('api-keys-admin');
  let a: TestApp;
  let b: TestApp;
  let db: DataSource;
  let adminToken: string;
  let alice: RegisteredUser;
  let ipCounter = 0;

  beforeAll(async () => {
    const env = {
      ...FAST_AUTH,
      ...admin.env,
      API_KEY_RATE_LIMIT_PER_MINUTE: String(PER_KEY_LIMIT),
      API_KEY_INVALID_PER_IP_PER_MINUTE: String(INVALID_PER_IP),
      API_KEY_MAX_TTL_DAYS: '30',
      API_KEY_DEFAULT_TTL_DAYS: '10',
      API_KEY_MAX_PER_ACCOUNT: String(MAX_PER_ACCOUNT),
    };
    a = await bootApp({ env, extraModules: [ApiKeysModule] });
    // A second instance on the same database: what A revokes or rotates, B must refuse too.
    b = await bootApp({ env, extraModules: [ApiKeysModule] });
    db = a.app.get<DataSource>(getDataSourceToken());
    adminToken = await admin.signIn(a);
    alice = await registerUser(a);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  /** Each test that presents bad keys does so from its own address (the per-IP lock). */
  const freshIp = (): string => `198.51.100.${++ipCounter}`;
  const withKey = (
    t: TestApp,
    key: string,
    { url = '/api/v1/users/me', via = 'x-api-key', ip = '203.0.113.1' } = {},
  ): Promise<LightMyRequestResponse> =>
    t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'GET',
        url,
        remoteAddress: ip,
        headers: via === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key },
      });
  const gqlWithKey = (t: TestApp, key: string, query: string, ip = '203.0.113.1') =>
    t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/graphql',
        remoteAddress: ip,
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        payload: { query },
      });

  const create = async (
    token: string,
    payload: Record<string, unknown> = { name: 'ci', scopes: [] },
  ): Promise<CreatedKey> => {
    const res = await a.rest({ method: 'POST', url: '/api/v1/api-keys', token, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as CreatedKey;
  };
  const keyRows = async (ownerId: string) =>
    (await db.query('SELECT * FROM api_keys WHERE owner_id = $1', [ownerId])) as Record<
      string,
      unknown
    >[];
  const expectUnauthenticated = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  };

  describe('lifecycle', () => {
    it('shows the key once: nsk_ + base62 + CRC32, stored as its SHA-256 only', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken, { name: 'deploys', scopes: [] });
      expect(created.key).toMatch(/^nsk_[0-9A-Za-z]{49}$/);
      expect(created.prefix).toBe(created.key.slice(4, 12));
      const expectedExpiry = Date.now() + 10 * 86_400_000;
      expect(Math.abs(new Date(created.expiresAt).getTime() - expectedExpiry)).toBeLessThan(60_000);

      const list = await a.as(user.accessToken).rest({ url: '/api/v1/api-keys' });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toMatchObject({ totalCount: 1, nextCursor: null });
      expect(list.json().items[0]).toMatchObject({
        id: created.id,
        name: 'deploys',
        prefix: created.prefix,
      });
      expect(list.body).not.toContain(created.key);
      expect(list.json().items[0].key).toBeUndefined();

      const gql = await a
        .as(user.accessToken)
        .gql('{ apiKeys { totalCount items { id prefix } } }');
      expect(gql.json().data.apiKeys).toEqual({
        totalCount: 1,
        items: [{ id: created.id, prefix: created.prefix }],
      });

      const [row] = await keyRows(user.id);
      const { createHash } = await import('node:crypto');
      expect(row.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(created.key.slice(12));
    });

    it('creates over GraphQL too, with scopes the creator holds', async () => {
      const res = await a.as(adminToken).gql(
        `mutation { createApiKey(input: { name: "reports", scopes: ["audit.read"] }) {
           id key prefix scopes expiresAt } }`,
      );
      const created = res.json().data.createApiKey as CreatedKey;
      expect(created.scopes).toEqual(['audit.read']);
      expect(created.key.startsWith('nsk_')).toBe(true);
    });

    it('rotates: new secret, same id and scopes; the old key stops at once on every instance', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      expect((await withKey(b, created.key)).statusCode).toBe(200); // now cached on B
      const res = await a.as(user.accessToken).rest({
        method: 'POST',
        url: `/api/v1/api-keys/${created.id}/rotate`,
      });
      expect(res.statusCode, res.body).toBe(200);
      const rotated = res.json() as CreatedKey;
      expect(rotated.id).toBe(created.id);
      expect(rotated.scopes).toEqual(created.scopes);
      expect(rotated.key).not.toBe(created.key);
      expectUnauthenticated(await withKey(a, created.key));
      await eventually(async () => expectUnauthenticated(await withKey(b, created.key)));
      expect((await withKey(b, rotated.key)).json().id).toBe(user.id);

      const gql = await a
        .as(user.accessToken)
        .gql(`mutation { rotateApiKey(id: "${created.id}") { id key } }`);
      expect(gql.json().data.rotateApiKey.id).toBe(created.id);
      expectUnauthenticated(await withKey(a, rotated.key));
    });

    it('revokes at once, also on another instance; revoked keys leave the list', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      const second = await create(user.accessToken);
      expect((await withKey(b, created.key)).statusCode).toBe(200);
      const res = await a.as(user.accessToken).rest({
        method: 'DELETE',
        url: `/api/v1/api-keys/${created.id}`,
      });
      expect(res.statusCode, res.body).toBe(204);
      expectUnauthenticated(await withKey(a, created.key));
      await eventually(async () => expectUnauthenticated(await withKey(b, created.key)));
      const list = await a.as(user.accessToken).rest({ url: '/api/v1/api-keys' });
      expect(list.json().items.map((k: { id: string }) => k.id)).toEqual([second.id]);

      const gql = await a.as(user.accessToken).gql(`mutation { revokeApiKey(id: "${second.id}") }`);
      expect(gql.json().data.revokeApiKey).toBe(true);
      expectUnauthenticated(await withKey(a, second.key));
      const again = await a.as(user.accessToken).rest({
        method: 'DELETE',
        url: `/api/v1/api-keys/${second.id}`,
      });
      expect(again.statusCode).toBe(404);
    });

    it("another user's key id is 404 on rotate and revoke, and is not listed (IDOR)", async () => {
      const mallory = await registerUser(a);
      const victim = await create(alice.accessToken);
      for (const [method, url] of [
        ['POST', `/api/v1/api-keys/${victim.id}/rotate`],
        ['DELETE', `/api/v1/api-keys/${victim.id}`],
      ] as const) {
        const res = await a.as(mallory.accessToken).rest({ method, url });
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().code).toBe('NOT_FOUND');
      }
      const gql = await a
        .as(mallory.accessToken)
        .gql(`mutation { revokeApiKey(id: "${victim.id}") }`);
      expect(gql.json().errors[0].extensions.code).toBe('NOT_FOUND');
      const list = await a.as(mallory.accessToken).rest({ url: '/api/v1/api-keys' });
      expect(list.json().totalCount).toBe(0);
      expect((await withKey(a, victim.key)).statusCode).toBe(200);
    });

    it('a key cannot list, create, rotate or revoke keys (403), on GraphQL neither', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      const fastify = a.app.getHttpAdapter().getInstance();
      for (const [method, url] of [
        ['GET', '/api/v1/api-keys'],
        ['POST', '/api/v1/api-keys'],
        ['POST', `/api/v1/api-keys/${created.id}/rotate`],
        ['DELETE', `/api/v1/api-keys/${created.id}`],
      ] as const) {
        const res = await fastify.inject({
          method,
          url,
          headers: { 'x-api-key': created.key },
          ...(method === 'POST' ? { payload: { name: 'child', scopes: [] } } : {}),
        });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().detail).toBe('requires a signed-in session, not an API key');
      }
      const gql = await gqlWithKey(
        a,
        created.key,
        'mutation { createApiKey(input: { name: "child", scopes: [] }) { id } }',
      );
      expect(gql.json().errors[0].extensions.code).toBe('FORBIDDEN');
      const rows = await keyRows(user.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ revoked_at: null, rotated_at: null });
    });

    it('an admin makes a key for a service account (ownerId, needs users.manage)', async () => {
      const service = await registerUser(a);
      const created = await create(adminToken, { name: 'svc', scopes: [], ownerId: service.id });
      const me = await withKey(a, created.key);
      expect(me.json().id).toBe(service.id);
      const adminList = await a.as(adminToken).rest({ url: '/api/v1/api-keys' });
      expect(adminList.json().items.map((k: { id: string }) => k.id)).toContain(created.id);

      const other = await registerUser(a);
      const refused = await a.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: alice.accessToken,
        payload: { name: 'x', scopes: [], ownerId: other.id },
      });
      expect(refused.statusCode, refused.body).toBe(403);
      expect(await keyRows(other.id)).toHaveLength(0);
    });
  });

  describe('keys per account (API_KEY_MAX_PER_ACCOUNT)', () => {
    const liveKeys = async (userId: string): Promise<number> =>
      Number(
        (
          (await db.query(
            'SELECT count(*) AS n FROM api_keys WHERE owner_id = $1 AND revoked_at IS NULL',
            [userId],
          )) as { n: string }[]
        )[0]!.n,
      );

    it('concurrent creations stop at the limit; beyond it 409 CONFLICT on both transports, nothing written', async () => {
      const user = await registerUser(a);
      for (let i = 0; i < MAX_PER_ACCOUNT - 2; i++) await create(user.accessToken);
      // Five at once for the last two places, on two instances: the advisory lock lets two in.
      const racing = await Promise.all(
        [a, b, a, b, a].map((t) =>
          t.rest({
            method: 'POST',
            url: '/api/v1/api-keys',
            token: user.accessToken,
            payload: { name: 'race', scopes: [] },
          }),
        ),
      );
      expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 201, 409, 409, 409]);
      expect(await liveKeys(user.id)).toBe(MAX_PER_ACCOUNT);

      const rest = await a.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: user.accessToken,
        payload: { name: 'one more', scopes: [] },
      });
      expect(rest.statusCode, rest.body).toBe(409);
      expect(rest.json()).toMatchObject({
        code: 'CONFLICT',
        detail: `An account holds at most ${MAX_PER_ACCOUNT} API keys: revoke one first`,
      });
      const gql = await a
        .as(user.accessToken)
        .gql('mutation { createApiKey(input: { name: "one more", scopes: [] }) { id } }');
      expect(gql.json().errors[0].extensions.code).toBe('CONFLICT');
      expect(await liveKeys(user.id)).toBe(MAX_PER_ACCOUNT);
      const list = await a.as(user.accessToken).rest({ url: '/api/v1/api-keys' });
      expect(list.json().totalCount).toBe(MAX_PER_ACCOUNT);

      // A revoked key frees its place.
      const revoked = await a.rest({
        method: 'DELETE',
        url: `/api/v1/api-keys/${list.json().items[0].id}`,
        token: user.accessToken,
      });
      expect(revoked.statusCode).toBe(204);
      await create(user.accessToken);
      expect(await liveKeys(user.id)).toBe(MAX_PER_ACCOUNT);
    });

    it("keys an admin makes for a service account count in the admin's list too", async () => {
      const maker = await createUser(a, { roles: ['admin'], adminToken });
      const makerToken = maker.accessToken;
      const service = await registerUser(a);
      for (let i = 0; i < MAX_PER_ACCOUNT; i++) {
        await create(makerToken, { name: `svc ${i}`, scopes: [], ownerId: service.id });
      }
      const own = await a.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: makerToken,
        payload: { name: 'mine', scopes: [] },
      });
      expect(own.statusCode, own.body).toBe(409);
      expect(await liveKeys(maker.id)).toBe(0);
    });
  });

  describe('bad input: 400 naming the field, nothing written', () => {
    it.each([
      [{ scopes: [] }, 'name'],
      [{ name: '', scopes: [] }, 'name'],
      [{ name: '   ', scopes: [] }, 'name'],
      [{ name: 'x'.repeat(101), scopes: [] }, 'name'],
      [{ name: 'k' }, 'scopes'],
      [{ name: 'k', scopes: 'users.read' }, 'scopes'],
      [{ name: 'k', scopes: [1] }, 'scopes'],
      [{ name: 'k', scopes: ['users.read'] }, 'scopes.0'],
      [{ name: 'k', scopes: ['not.a.permission'] }, 'scopes'],
      [{ name: 'k', scopes: [], expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'k', scopes: [], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      [
        { name: 'k', scopes: [], expiresAt: new Date(Date.now() + 31 * 86_400_000).toISOString() },
        'expiresAt',
      ],
      [{ name: 'k', scopes: [], ownerId: 'nope' }, 'ownerId'],
      [{ name: 'k', scopes: [], extra: 1 }, 'extra'],
    ])('%j → 400 naming %s', async (payload, field) => {
      const user = await registerUser(a);
      const res = await a.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: user.accessToken,
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await keyRows(user.id)).toHaveLength(0);
    });

    it('a scope the creator does not hold names its index, on GraphQL too', async () => {
      const user = await registerUser(a);
      const gql = await a
        .as(user.accessToken)
        .gql('mutation { createApiKey(input: { name: "k", scopes: ["audit.read"] }) { id } }');
      const error = gql.json().errors[0];
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.errors[0].field).toBe('scopes.0');
      expect(await keyRows(user.id)).toHaveLength(0);
    });

    it('an unknown ownerId (admin) is 400 naming ownerId', async () => {
      const res = await a.rest({
        method: 'POST',
        url: '/api/v1/api-keys',
        token: adminToken,
        payload: { name: 'k', scopes: [], ownerId: '00000000-0000-4000-8000-000000000000' },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].field).toBe('ownerId');
    });

    it('a malformed id is 400 naming id', async () => {
      const res = await a.rest({
        method: 'DELETE',
        url: '/api/v1/api-keys/nope',
        token: alice.accessToken,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('id');
    });
  });

  describe('authentication', () => {
    it('authenticates REST by X-API-Key and by Authorization: Bearer, and GraphQL', async () => {
      const created = await create(alice.accessToken);
      for (const via of ['x-api-key', 'bearer']) {
        const res = await withKey(a, created.key, { via });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().id).toBe(alice.id);
      }
      const gql = await gqlWithKey(a, created.key, '{ me { id } }');
      expect(gql.json().data.me.id).toBe(alice.id);
    });

    it('a route needing a permission works within the scopes; out of scope → 403 naming it', async () => {
      const created = await create(adminToken, { name: 'audit reader', scopes: ['audit.read'] });
      expect((await withKey(a, created.key, { url: '/api/v1/audit-logs' })).statusCode).toBe(200);
      const res = await withKey(a, created.key, { url: '/api/v1/admin/users' });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      expect(res.json().detail).toBe('requires scope users.read');
      const gql = await gqlWithKey(a, created.key, '{ users { totalCount } }');
      expect(gql.json().errors[0].extensions.code).toBe('FORBIDDEN');
      expect(gql.json().errors[0].message).toBe('requires scope users.read');
    });

    it('expired, revoked, bad-checksum and unknown keys are 401', async () => {
      const ip = freshIp();
      const expired = await create(alice.accessToken);
      await db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [
        expired.id,
      ]);
      const flipped =
        expired.key.slice(0, -7) + (expired.key.at(-7) === 'a' ? 'b' : 'a') + expired.key.slice(-6);
      const unknownButWellFormed = generateApiKey().key;
      for (const key of [expired.key, flipped, unknownButWellFormed, 'nsk_short', 'not-a-key']) {
        expectUnauthenticated(await withKey(b, key, { ip }));
      }
    });

    it('a bad checksum is refused without a lookup', async () => {
      const spy = vi.spyOn(a.app.get(ApiKeysRepository), 'findForAuth');
      const created = await create(alice.accessToken);
      const broken = created.key.slice(0, -1) + (created.key.endsWith('0') ? '1' : '0');
      expectUnauthenticated(await withKey(a, broken, { ip: freshIp() }));
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });

    it('invalid keys are limited per IP, before any lookup (even of a valid key)', async () => {
      const ip = freshIp();
      const created = await create(alice.accessToken);
      const spy = vi.spyOn(a.app.get(ApiKeysRepository), 'findForAuth');
      for (let i = 0; i < INVALID_PER_IP; i++) {
        expectUnauthenticated(await withKey(a, `nsk_made-up-${i}`, { ip }));
      }
      spy.mockClear();
      const limited = await withKey(a, created.key, { ip });
      expect(limited.statusCode, limited.body).toBe(429);
      expect(limited.json().code).toBe('RATE_LIMIT_EXCEEDED');
      expect(limited.headers['retry-after']).toBeDefined();
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      // Another address is not affected.
      expect((await withKey(a, created.key, { ip: freshIp() })).statusCode).toBe(200);
    });

    it('each key has its own rate limit bucket', async () => {
      const first = await create(alice.accessToken);
      const second = await create(alice.accessToken);
      for (let i = 0; i < PER_KEY_LIMIT; i++) {
        expect((await withKey(a, first.key)).statusCode).toBe(200);
      }
      const limited = await withKey(a, first.key);
      expect(limited.statusCode, limited.body).toBe(429);
      expect(limited.json().code).toBe('RATE_LIMIT_EXCEEDED');
      expect((await withKey(a, second.key)).statusCode).toBe(200);
      expect((await a.as(alice.accessToken).rest({ url: '/api/v1/users/me' })).statusCode).toBe(
        200,
      );
    });

    it('last_used_at is written once a minute at most', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      const touch = vi.spyOn(a.app.get(ApiKeysRepository), 'touch');
      expect((await keyRows(user.id))[0].last_used_at).toBeNull();
      for (let i = 0; i < 5; i++) expect((await withKey(a, created.key)).statusCode).toBe(200);
      const first = await eventually(async () => {
        const [row] = await keyRows(user.id);
        expect(row.last_used_at).toBeInstanceOf(Date);
        return row.last_used_at as Date;
      });
      expect(touch).toHaveBeenCalledTimes(1);
      touch.mockRestore();
      // Another instance's write is refused by the UPDATE itself (less than a minute ago).
      await b.app.get(ApiKeysRepository).touch(created.id);
      expect(((await keyRows(user.id))[0].last_used_at as Date).getTime()).toBe(first.getTime());
      const listed = await a.as(user.accessToken).rest({ url: '/api/v1/api-keys' });
      expect(new Date(listed.json().items[0].lastUsedAt).getTime()).toBe(first.getTime());
    });

    it("a banned owner's keys stop", async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      expect((await withKey(a, created.key)).statusCode).toBe(200);
      const ban = await a.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/ban`,
        token: adminToken,
        payload: { reason: 'abuse' },
      });
      expect(ban.statusCode, ban.body).toBe(200);
      expectUnauthenticated(await withKey(a, created.key, { ip: freshIp() }));
    });
  });

  describe('audit and alerts', () => {
    it('creating, rotating and revoking are audited and announced as security alerts', async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken, { name: 'audited', scopes: [] });
      await a
        .as(user.accessToken)
        .rest({ method: 'POST', url: `/api/v1/api-keys/${created.id}/rotate` });
      await a
        .as(user.accessToken)
        .rest({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}` });
      await eventually(async () => {
        const rows = (await db.query(
          `SELECT action, actor_id, actor_type, entity_type, entity_id FROM audit_log
           WHERE entity_id = $1 ORDER BY id`,
          [created.id],
        )) as Record<string, string>[];
        expect(rows.map((r) => r.action)).toEqual([
          'apikey.created',
          'apikey.rotated',
          'apikey.revoked',
        ]);
        for (const row of rows) {
          expect(row).toMatchObject({
            actor_id: user.id,
            actor_type: 'user',
            entity_type: 'api_key',
          });
        }
      });
      await eventually(async () => {
        const rows = (await db.query(
          "SELECT title FROM notifications WHERE user_id = $1 AND type = 'security_alert' ORDER BY created_at",
          [user.id],
        )) as { title: string }[];
        expect(rows.map((r) => r.title)).toEqual([
          'API key "audited" was created',
          'API key "audited" was rotated',
          'API key "audited" was revoked',
        ]);
      });
    });

    it("what a key does is audited with actor_type 'api' and the key id", async () => {
      const user = await registerUser(a);
      const created = await create(user.accessToken);
      const res = await a.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'PATCH',
          url: '/api/v1/users/me',
          headers: { 'x-api-key': created.key },
          payload: { firstName: 'Robot' },
        });
      expect(res.statusCode, res.body).toBe(200);
      await eventually(async () => {
        const [row] = (await db.query(
          `SELECT actor_id, actor_type, api_key_id FROM audit_log
           WHERE action = 'user.profile.updated' AND actor_id = $1`,
          [user.id],
        )) as Record<string, string>[];
        expect(row).toEqual({ actor_id: user.id, actor_type: 'api', api_key_id: created.id });
      });
    });
  });
});
