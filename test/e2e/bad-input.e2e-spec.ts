import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_AUTH, registerUser, type RegisteredUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';

/**
 * Classes of malformed input that once reached a layer that could not take them (PostgreSQL,
 * class-transformer, encodeURI, Mercurius) and answered 500. Each must be a 4xx with a code, and
 * nothing may be written.
 */
describe('bad input is a 4xx with a code, never a 500', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await bootApp({ env: FAST_AUTH });
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  const profile = async () =>
    (await t.rest({ url: '/api/v1/users/me', token: user.accessToken })).json() as Record<
      string,
      unknown
    >;

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  describe('strings: NUL bytes and lone surrogates', () => {
    const hostile = ['a\u0000b', 'a\ud800b', '\udfff', 'x\ud83d'];

    for (const value of hostile) {
      const label = JSON.stringify(value);
      it(`REST body ${label} → 400 VALIDATION_FAILED naming the field; profile unchanged`, async () => {
        const before = await profile();
        const res = await t.rest({
          method: 'PATCH',
          url: '/api/v1/users/me',
          token: user.accessToken,
          payload: { firstName: value },
        });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [expect.objectContaining({ field: 'firstName' })],
        });
        expect(await profile()).toEqual(before);
      });

      it(`GraphQL variable ${label} → BAD_USER_INPUT; profile unchanged`, async () => {
        const before = await profile();
        const res = await t.gql(
          'mutation U($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }',
          { variables: { input: { firstName: value } }, token: user.accessToken },
        );
        expect(res.statusCode).toBeLessThan(500);
        expect(res.json().errors?.[0]?.extensions?.code, res.body).toBe('BAD_USER_INPUT');
        expect(await profile()).toEqual(before);
      });
    }

    it('REST query string with %00 → 400 VALIDATION_FAILED', async () => {
      const res = await t.rest({ url: '/api/v1/files?cursor=a%00b', token: user.accessToken });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('REST query string with an invalid UTF-8 sequence → 400 VALIDATION_FAILED', async () => {
      const res = await t.rest({ url: '/api/v1/files?cursor=%ED%A0%80', token: user.accessToken });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('NUL and lone surrogates in query values and path params → 400, before any SQL', async () => {
      const admin = await t.tokenFor({ roles: ['admin'] });
      const id = user.id;
      for (const url of [
        '/api/v1/audit-logs?entityType=%00',
        '/api/v1/audit-logs?q=a%00b',
        '/api/v1/admin/users?q=a%00b',
        `/api/v1/admin/users/${id}%00`,
        `/api/v1/admin/users/${id}/roles/${id}%00`,
      ]) {
        const method = url.includes('/roles/') ? 'DELETE' : 'GET';
        const res = await t.rest({ method, url, token: admin });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
      }
      const patch = await t.rest({
        method: 'PATCH',
        url: `/api/v1/admin/users/${id}%00`,
        token: admin,
        payload: { firstName: 'x' },
      });
      expect(patch.statusCode, patch.body).toBe(400);
    });

    it('a NUL in an object key → 400', async () => {
      const res = await t.rest({
        method: 'PATCH',
        url: '/api/v1/users/me',
        token: user.accessToken,
        payload: '{"first\\u0000Name":"x"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, res.body).toBe(400);
    });

    it('GraphQL string literal with \\u0000 → BAD_USER_INPUT; profile unchanged', async () => {
      const before = await profile();
      const res = await t.gql(
        'mutation { updateProfile(input: { firstName: "a\\u0000b" }) { id } }',
        {
          token: user.accessToken,
        },
      );
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().errors?.[0]?.extensions?.code, res.body).toBe('BAD_USER_INPUT');
      expect(await profile()).toEqual(before);
    });
  });

  describe('depth', () => {
    const deep = (n: number) => '{"firstName":'.repeat(0) + '['.repeat(n) + ']'.repeat(n);

    it('a REST body nested 5 000 deep → 400 VALIDATION_FAILED', async () => {
      const res = await t.rest({
        method: 'PATCH',
        url: '/api/v1/users/me',
        token: user.accessToken,
        payload: `{"firstName":${deep(5000)}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('GraphQL variables nested 5 000 deep → 400 BAD_USER_INPUT', async () => {
      const res = await t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/graphql',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${user.accessToken}`,
          },
          payload: `{"query":"mutation U($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }","variables":{"input":{"firstName":${deep(5000)}}}}`,
        });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('cursors', () => {
    const cursors = {
      'an impossible date (files)': [
        '/api/v1/files',
        b64(['files', '2026-02-30T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000']),
      ],
      'month 13 (audit)': [
        '/api/v1/audit-logs/me',
        b64(['audit:-occurredAt', '2026-13-01T00:00:00.000000Z', '1']),
      ],
      'an impossible date (audit)': [
        '/api/v1/audit-logs/me',
        b64(['audit:-occurredAt', '2026-02-31T25:61:00.000000Z', '1']),
      ],
      'an id beyond bigint (audit)': [
        '/api/v1/audit-logs/me',
        b64(['audit:-occurredAt', '2026-01-01T00:00:00.000000Z', '9999999999999999999']),
      ],
    } as const;
    for (const [label, [url, cursor]] of Object.entries(cursors)) {
      it(`${label} → 400 VALIDATION_FAILED on cursor`, async () => {
        const res = await t.rest({ url: `${url}?cursor=${cursor}`, token: user.accessToken });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'cursor', message: 'cursor is not valid' }],
        });
      });
    }

    it('a GraphQL cursor decoding to an impossible date → BAD_USER_INPUT', async () => {
      const cursor = b64(['audit:-occurredAt', '2026-13-01T00:00:00.000000Z', '1']);
      const res = await t.gql(`{ myAuditLogs(page: { cursor: "${cursor}" }) { totalCount } }`, {
        token: user.accessToken,
      });
      expect(res.json().errors?.[0]?.extensions?.code, res.body).toBe('BAD_USER_INPUT');
    });
  });

  describe('tokens', () => {
    it('a validly signed token whose sub is not a UUID → 401 UNAUTHENTICATED (REST and GraphQL)', async () => {
      const token = await t.tokenFor({ id: 'not-a-uuid' });
      const rest = await t.rest({ url: '/api/v1/users/me', token });
      expect(rest.statusCode, rest.body).toBe(401);
      expect(rest.json().code).toBe('UNAUTHENTICATED');
      const gql = await t.gql('{ me { id } }', { token });
      expect(gql.json().errors?.[0]?.extensions?.code, gql.body).toBe('UNAUTHENTICATED');
    });
  });

  describe('GraphQL request shape', () => {
    const post = (payload: string, headers: Record<string, string> = {}) =>
      t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/graphql',
          headers: { 'content-type': 'application/json', ...headers },
          payload,
        });

    const shapes: Record<string, string> = {
      'query is a number': '{"query":5}',
      'query is an object': '{"query":{"a":1}}',
      'query is missing': '{"variables":{}}',
      'variables is a string': '{"query":"{ __typename }","variables":"x"}',
      'operationName is a number': '{"query":"{ __typename }","operationName":5}',
      'the body is a string': '"{ __typename }"',
      'an empty batch': '[]',
      'a batch holding a number': '[1]',
    };
    for (const [label, payload] of Object.entries(shapes)) {
      it(`${label} → 400 BAD_USER_INPUT`, async () => {
        const res = await post(payload);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      });
    }

    it('variables with __proto__ → 400, and no prototype is polluted', async () => {
      const res = await post(
        '{"query":"mutation U($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }","variables":{"input":{"__proto__":{"polluted":true},"firstName":"x"}}}',
        { authorization: `Bearer ${user.accessToken}` },
      );
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a GET with variables holding __proto__ → 400', async () => {
      const variables = encodeURIComponent('{"__proto__":{"polluted":true}}');
      const res = await t.rest({ url: `/graphql?query=%7B__typename%7D&variables=${variables}` });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('oversized variables → 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await post(
        JSON.stringify({ query: '{ __typename }', variables: { x: 'a'.repeat(2_000_000) } }),
      );
      expect(res.statusCode, res.body).toBe(413);
      expect(res.json().errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('multipart', () => {
    const upload = (contentType: string, payload: string) =>
      t.rest({
        method: 'POST',
        url: '/api/v1/files',
        token: user.accessToken,
        headers: { 'content-type': contentType },
        payload,
      });
    const part = (name: string, value: string, boundary = 'XyZ') =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

    it('multipart without a boundary → 400', async () => {
      const res = await upload('multipart/form-data', part('a', 'b') + '--XyZ--\r\n');
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('multipart with a wrong boundary → 400', async () => {
      const res = await upload(
        'multipart/form-data; boundary=other',
        part('a', 'b') + '--XyZ--\r\n',
      );
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    });

    it('multipart with too many fields → 400 or 413, with a code', async () => {
      let body = '';
      for (let i = 0; i < 50; i++) body += part(`f${i}`, 'v');
      const res = await upload('multipart/form-data; boundary=XyZ', body + '--XyZ--\r\n');
      expect([400, 413], res.body).toContain(res.statusCode);
      expect(['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE']).toContain(res.json().code);
    });

    it('GraphQL multipart without a boundary → 400 BAD_USER_INPUT', async () => {
      const res = await t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/graphql',
          headers: {
            'content-type': 'multipart/form-data',
            'graphql-preflight': '1',
            authorization: `Bearer ${user.accessToken}`,
          },
          payload: part('operations', '{}') + '--XyZ--\r\n',
        });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('nothing was stored by any of the refused uploads', async () => {
      const res = await t.rest({ url: '/api/v1/files/usage', token: user.accessToken });
      expect(res.json()).toMatchObject({ fileCount: 0 });
    });
  });
});
