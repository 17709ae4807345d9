import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_AUTH,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { graphqlUpload, multipart } from '../support/multipart.js';

interface GqlError {
  message: string;
  extensions: { code: string; requestId: string };
}

/** The one error of a refused GraphQL request, in GraphQL format with the request id. */
function refusal(res: LightMyRequestResponse): GqlError {
  const body = res.json() as { data?: unknown; errors?: GqlError[] };
  expect(body.data ?? null, res.body).toBeNull();
  expect(body.errors, res.body).toHaveLength(1);
  expect(body.errors![0].extensions.requestId).toBe(res.headers['x-request-id']);
  return body.errors![0];
}

const registerMutation = (email: string) =>
  `mutation { register(input: { email: "${email}", password: "${STRONG_PASSWORD}" }) { user { id } } }`;

async function usersWithEmail(t: TestApp, email: string): Promise<number> {
  const [row] = await t.app
    .get(DataSource)
    .query<{ n: number }[]>('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
  return row.n;
}

/** A fresh client address (TRUST_PROXY=true), so each test starts with a full budget. */
let ipSeq = 0;
const uniqueIp = () => `203.0.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

describe('GraphQL: every request counts against the default limit (RATE_LIMIT_DEFAULT=3/1m)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { RATE_LIMIT_DEFAULT: '3/1m', TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  const post = (ip: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.rest({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-forwarded-for': ip, 'content-type': 'application/json', ...headers },
      payload: payload as object,
    });

  it('limits { __typename } and sends X-RateLimit-* as REST does, then 429 with Retry-After', async () => {
    const ip = uniqueIp();
    for (let i = 1; i <= 3; i++) {
      const res = await post(ip, { query: '{ __typename }' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(3 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    const email = uniqueEmail('limited');
    const limited = await post(ip, { query: registerMutation(email) });
    expect(limited.statusCode).toBe(429);
    expect(refusal(limited).extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(await usersWithEmail(t, email)).toBe(0);
    // Another client keeps its own budget.
    expect((await post(uniqueIp(), { query: '{ __typename }' })).statusCode).toBe(200);
  });

  it('counts introspection, syntax errors, invalid documents and refused bodies too', async () => {
    const ip = uniqueIp();
    expect((await post(ip, { query: '{ __schema { queryType { name } } }' })).statusCode).toBe(200);
    expect((await post(ip, { query: '{ nope' })).statusCode).toBe(400);
    const form = await t.rest({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-forwarded-for': ip, 'content-type': 'text/plain' },
      payload: '{ __typename }',
    });
    expect(form.statusCode).toBe(415);
    const limited = await post(ip, { query: '{ unknownField }' });
    expect(limited.statusCode).toBe(429);
    expect(refusal(limited).extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('is counted before the body is read: over the limit even malformed JSON is 429', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 3; i++) await post(ip, { query: '{ __typename }' });
    const res = await t.rest({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-forwarded-for': ip, 'content-type': 'application/json' },
      payload: '{"query": ',
    });
    expect(res.statusCode).toBe(429);
    expect(refusal(res).extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('counts each operation of a batch', async () => {
    const ip = uniqueIp();
    const pair = [{ query: '{ __typename }' }, { query: '{ a: __typename }' }];
    const first = await post(ip, pair);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    const second = await post(ip, pair);
    expect(second.statusCode).toBe(429);
    expect(refusal(second).extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('keys a valid token by its user (any IP), an invalid one by IP', async () => {
    const token = await t.tokenFor({});
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 1; i <= 3; i++) {
      const res = await post(uniqueIp(), { query: '{ __typename }' }, auth);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(3 - i));
    }
    const limited = await post(uniqueIp(), { query: '{ __typename }' }, auth);
    expect(limited.statusCode).toBe(429);
    const forged = await post(
      uniqueIp(),
      { query: '{ __typename }' },
      { authorization: 'Bearer x.y.z' },
    );
    expect(forged.statusCode).toBe(200);
    expect(forged.headers['x-ratelimit-remaining']).toBe('2');
  });
});

describe('GraphQL transport: document bounds, media types and GET', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH } });
  });
  afterAll(() => t.close());

  const inject = (options: {
    method: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
  }) => t.app.getHttpAdapter().getInstance().inject(options);
  const get = (params: Record<string, string>) =>
    inject({ method: 'GET', url: `/graphql?${new URLSearchParams(params)}` });

  describe(`the document is bounded before it is parsed`, () => {
    it('refuses a 30 000-directive document at the token limit: 400 QUERY_TOO_COMPLEX', async () => {
      const document = `{ __typename ${'@a '.repeat(30_000)}}`;
      expect(document.length).toBeLessThan(100_000);
      const res = await t.gql(document);
      expect(res.statusCode).toBe(400);
      const error = refusal(res);
      expect(error.extensions.code).toBe('QUERY_TOO_COMPLEX');
      // Parsing stopped at the limit: one error naming it, not one per unknown directive.
      expect(error.message).toBe('The document has more than 5000 tokens');
    });

    it('parses a document of exactly 5 000 tokens (GRAPHQL_MAX_TOKENS)', async () => {
      // `{`, `__typename` twice, `}` and 2 tokens per directive: 4 + 2 × 2 498 = 5 000.
      const at = await t.gql(`{ __typename __typename ${'@a '.repeat(2498)}}`);
      expect(at.statusCode).toBe(400);
      // Parsed and validated: the errors are the unknown directives, not the token limit.
      const errors = at.json().errors as GqlError[];
      expect(errors[0].message).toBe('Unknown directive "@a".');
      expect(errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const over = await t.gql(`{ __typename __typename ${'@a '.repeat(2499)}}`);
      expect(refusal(over).message).toBe('The document has more than 5000 tokens');
    });

    it('accepts 100 000 bytes and refuses 100 001 (GRAPHQL_MAX_DOCUMENT_BYTES), counted in UTF-8', async () => {
      const base = '{ __typename }\n#';
      const at = base + 'x'.repeat(100_000 - base.length);
      expect((await t.gql(at)).statusCode).toBe(200);
      const over = await t.gql(`${at}x`);
      expect(over.statusCode).toBe(400);
      const error = refusal(over);
      expect(error.extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(error.message).toContain('at most 100000 bytes');
      // 40 000 characters, 120 000 bytes.
      const wide = await t.gql(`${base}${'€'.repeat(40_000)}`);
      expect(wide.statusCode).toBe(400);
      expect(refusal(wide).message).toContain('at most 100000 bytes');
    });

    it('bounds every operation of a batch and GET documents too', async () => {
      const long = `{ __typename }\n#${'x'.repeat(100_000)}`;
      const batch = await t.rest({
        method: 'POST',
        url: '/graphql',
        payload: [{ query: '{ __typename }' }, { query: long }],
      });
      expect(batch.statusCode).toBe(400);
      expect(refusal(batch).extensions.code).toBe('QUERY_TOO_COMPLEX');
      const viaGet = await get({ query: `{ __typename ${'@a '.repeat(6000)}}` });
      expect(viaGet.statusCode).toBe(400);
      expect(refusal(viaGet).message).toBe('The document has more than 5000 tokens');
    });
  });

  describe('only JSON bodies (CSRF: a cross-site form cannot send JSON without a preflight)', () => {
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', (q: string) => `query=${encodeURIComponent(q)}`],
      ['text/plain', (q: string) => JSON.stringify({ query: q })],
      ['text/plain; charset=utf-8', (q: string) => JSON.stringify({ query: q })],
      ['application/xml', (q: string) => `<query>${q}</query>`],
    ] as const) {
      it(`POST /graphql as ${type} → 415 UNSUPPORTED_MEDIA_TYPE, nothing written`, async () => {
        const email = uniqueEmail('form');
        const res = await inject({
          method: 'POST',
          url: '/graphql',
          headers: { 'content-type': type },
          payload: payload(registerMutation(email)),
        });
        expect(res.statusCode, res.body).toBe(415);
        expect(refusal(res).extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        expect(await usersWithEmail(t, email)).toBe(0);
      });
    }

    it('multipart without the spec fields (operations, map) → 400 BAD_USER_INPUT, nothing written', async () => {
      const token = await t.tokenFor({});
      const email = uniqueEmail('multipart');
      const body = multipart([
        { name: 'query', value: registerMutation(email) },
        { name: '0', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('hi\n') },
      ]);
      const res = await inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...body.headers, authorization: `Bearer ${token}`, 'graphql-preflight': '1' },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(refusal(res).extensions.code).toBe('BAD_USER_INPUT');
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('accepts application/json with a charset and application/graphql', async () => {
      const json = await inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: '{"query":"{ __typename }"}',
      });
      expect(json.statusCode).toBe(200);
      const graphql = await inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/graphql' },
        payload: '{ __typename }',
      });
      expect(graphql.json()).toEqual({ data: { __typename: 'Query' } });
    });

    for (const [type, payload] of [
      [
        'application/x-www-form-urlencoded',
        (email: string) => `email=${encodeURIComponent(email)}&password=x`,
      ],
      ['text/plain', (email: string) => JSON.stringify({ email, password: STRONG_PASSWORD })],
    ] as const) {
      it(`REST: a ${type} body on a JSON route → 415 problem+json, nothing written`, async () => {
        const email = uniqueEmail('rest-form');
        const res = await inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          headers: { 'content-type': type },
          payload: payload(email),
        });
        expect(res.statusCode, res.body).toBe(415);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
        expect(await usersWithEmail(t, email)).toBe(0);
      });
    }
  });

  describe('GET carries queries only', () => {
    it('a mutation over GET → 405 METHOD_NOT_ALLOWED with Allow: POST, nothing written', async () => {
      const email = uniqueEmail('get');
      const res = await get({ query: registerMutation(email) });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(refusal(res).extensions.code).toBe('METHOD_NOT_ALLOWED');
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('operationName selecting the mutation of a multi-operation document → 405', async () => {
      const email = uniqueEmail('get-multi');
      const query = `query Q { __typename } ${registerMutation(email).replace('mutation', 'mutation M')}`;
      const res = await get({ query, operationName: 'M' });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(refusal(res).extensions.code).toBe('METHOD_NOT_ALLOWED');
      expect(await usersWithEmail(t, email)).toBe(0);
      const ok = await get({ query, operationName: 'Q' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ data: { __typename: 'Query' } });
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('no operation selected (missing or unknown operationName) → 400 BAD_USER_INPUT, not a 500', async () => {
      const query = 'query A { __typename } query B { __typename }';
      const selections: Record<string, string>[] = [{ query }, { query, operationName: 'Z' }];
      for (const params of selections) {
        const res = await get(params);
        expect(res.statusCode).toBe(400);
        const error = refusal(res);
        expect(error.extensions.code).toBe('BAD_USER_INPUT');
        expect(error.message).toContain('operationName');
      }
    });

    it('a query over GET still answers', async () => {
      const res = await get({ query: '{ __typename }' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: { __typename: 'Query' } });
    });
  });
});

describe('GraphQL in production (NODE_ENV=production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        NODE_ENV: 'production',
        // Sign-up answers tokens at once, so the upload test has a user.
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        JWT_SECRET: '9c1e4b7a2f5d8063e1a4c7b0d3f6928e5b1a4d7c0f3e6a9b2c5d8e1f4a7b0c3d',
        SIGNING_SECRET: '4e7a0d3c6f9b2e5a8d1c4f7b0e3a6d9c2f5b8e1a4d7c0f3b6e9a2d5c8f1b4e7a',
      },
    });
  });
  afterAll(() => t.close());

  it('suggests no field, argument or input field names ("Did you mean")', async () => {
    const field = await t.gql('{ mee { id } }');
    expect(field.statusCode).toBe(400);
    expect(field.json().errors[0].message).toContain('Cannot query field "mee"');
    const argument = await t.gql('{ file(idd: "x") { id } }');
    const input = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: { emial: 'a@example.com', password: 'x' } } },
    );
    for (const res of [field, argument, input]) {
      expect(res.statusCode).toBe(400);
      for (const error of res.json().errors as GqlError[]) {
        expect(error.message).not.toContain('Did you mean');
      }
    }
  });

  it('takes a multipart upload only with a GraphQL-Preflight header (415 without, nothing stored)', async () => {
    const user = await registerUser(t);
    const usage = async () =>
      (await t.gql('{ myStorageUsage { fileCount } }', { token: user.accessToken })).json().data
        .myStorageUsage.fileCount as number;
    const upload = () =>
      graphqlUpload('mutation($file: Upload!) { uploadFile(file: $file) { id } }', {
        filename: 'a.txt',
        contentType: 'text/plain',
        data: Buffer.from('hello\n'),
      });
    const plain = upload();
    const withoutPreflight = Object.fromEntries(
      Object.entries(plain.headers).filter(([name]) => name !== 'graphql-preflight'),
    );
    const refused = await t.rest({
      method: 'POST',
      url: '/graphql',
      token: user.accessToken,
      payload: plain.payload,
      headers: withoutPreflight,
    });
    expect(refused.statusCode, refused.body).toBe(415);
    expect(refusal(refused).extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(refusal(refused).message).toContain('GraphQL-Preflight');
    expect(await usage()).toBe(0);

    const preflighted = upload();
    const accepted = await t.rest({
      method: 'POST',
      url: '/graphql',
      token: user.accessToken,
      payload: preflighted.payload,
      headers: { ...preflighted.headers, 'graphql-preflight': '1' },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().data.uploadFile.id).toEqual(expect.any(String));
    expect(await usage()).toBe(1);
  });
});
