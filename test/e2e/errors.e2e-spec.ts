import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

const ECHO = '/api/v1/test/echo';

/** A problem+json response with the given status and code, whose requestId is the header's. */
function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ type: 'about:blank', status, code });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof res.headers['x-request-id']).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  return body as {
    detail: string;
    errors?: { field: string; message: string }[];
  };
}

function fields(errors: { field: string }[] | undefined): string[] {
  return (errors ?? []).map((e) => e.field);
}

describe('REST errors (problem+json)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { BODY_LIMIT_BYTES: '2048' }, extraModules: [TestFeatureModule] });
  });
  afterAll(() => t.close());

  it('unknown route → 404 NOT_FOUND with the request id of the response header', async () => {
    const res = await t.rest({ url: '/api/v1/does-not-exist' });
    expectProblem(res, 404, 'NOT_FOUND');
  });

  it('accepts a valid body (control case for the failures below)', async () => {
    const res = await t.rest({ method: 'POST', url: ECHO, payload: { name: 'ok', count: 3 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: 'ok', count: 3 });
  });

  it('malformed JSON body → 400 VALIDATION_FAILED', async () => {
    const res = await t.rest({
      method: 'POST',
      url: ECHO,
      payload: '{"name": "a",',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('empty JSON body → 400 VALIDATION_FAILED', async () => {
    const res = await t.rest({
      method: 'POST',
      url: ECHO,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('body over BODY_LIMIT_BYTES → 413 PAYLOAD_TOO_LARGE', async () => {
    const payload = JSON.stringify({ name: 'a', pad: 'x'.repeat(3000 - 21) });
    expect(payload.length).toBe(3000);
    const res = await t.rest({
      method: 'POST',
      url: ECHO,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('unsupported content-type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.rest({
      method: 'POST',
      url: ECHO,
      payload: '<echo><name>a</name></echo>',
      headers: { 'content-type': 'text/xml' },
    });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('unknown field → 400 VALIDATION_FAILED naming the field', async () => {
    const res = await t.rest({
      method: 'POST',
      url: ECHO,
      payload: { name: 'a', isAdmin: true },
    });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(fields(body.errors)).toEqual(['isAdmin']);
    expect(body.errors?.[0].message).toEqual(expect.any(String));
  });

  it('name longer than 20 characters → 400 VALIDATION_FAILED on field name', async () => {
    const res = await t.rest({ method: 'POST', url: ECHO, payload: { name: 'x'.repeat(21) } });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(fields(body.errors)).toEqual(['name']);
  });

  it('count of the wrong type → 400 VALIDATION_FAILED on field count', async () => {
    const res = await t.rest({ method: 'POST', url: ECHO, payload: { name: 'a', count: 'three' } });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(new Set(fields(body.errors))).toEqual(new Set(['count']));
  });

  it('count out of range → 400 VALIDATION_FAILED on field count', async () => {
    const res = await t.rest({ method: 'POST', url: ECHO, payload: { name: 'a', count: 11 } });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(fields(body.errors)).toEqual(['count']);
  });

  it('missing required name → 400 VALIDATION_FAILED on field name', async () => {
    const res = await t.rest({ method: 'POST', url: ECHO, payload: { count: 1 } });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(new Set(fields(body.errors))).toEqual(new Set(['name']));
  });

  it('unexpected error → 500 INTERNAL without stack, SQL or paths', async () => {
    const res = await t.rest({ url: '/api/v1/test/boom' });
    const body = expectProblem(res, 500, 'INTERNAL');
    expect(body.detail).toBe('An unexpected error occurred');
    for (const leak of ['secret_table', '/srv', 'stack', 'at ']) {
      expect(res.body).not.toContain(leak);
    }
  });
});

interface GqlError {
  message: string;
  extensions: { code: string; requestId: string; errors?: { field: string; message: string }[] };
}

function gqlErrors(res: LightMyRequestResponse): GqlError[] {
  const body = res.json() as { errors?: GqlError[] };
  expect(Array.isArray(body.errors)).toBe(true);
  for (const error of body.errors ?? []) {
    expect(error.extensions.requestId).toBe(res.headers['x-request-id']);
  }
  return body.errors ?? [];
}

const ECHO_MUTATION = 'mutation Echo($input: EchoInput!) { echo(input: $input) { name count } }';

describe('GraphQL errors (extensions.code)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ extraModules: [TestFeatureModule] });
  });
  afterAll(() => t.close());

  it('accepts a valid echo (control case)', async () => {
    const res = await t.gql(ECHO_MUTATION, { variables: { input: { name: 'ok', count: 2 } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { echo: { name: 'ok', count: 2 } } });
  });

  it('unknown input field (literal) → GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await t.gql('mutation { echo(input: { name: "a", isAdmin: true }) { name } }');
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(errors[0].message).toContain('isAdmin');
  });

  it('unknown input field (variables) → rejected with a code and the field named', async () => {
    const res = await t.gql(ECHO_MUTATION, {
      variables: { input: { name: 'a', isAdmin: true } },
    });
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors[0].message).toContain('isAdmin');
    expect(res.json().data ?? null).toBeNull();
  });

  it('name too long → BAD_USER_INPUT with the field list', async () => {
    const res = await t.gql(ECHO_MUTATION, { variables: { input: { name: 'x'.repeat(21) } } });
    expect(res.statusCode).toBe(200);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].extensions.errors?.map((e) => e.field)).toEqual(['name']);
    expect(res.json().data).toBeNull();
  });

  it('unexpected resolver error → INTERNAL with a masked message', async () => {
    const res = await t.gql('{ boom }');
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('INTERNAL');
    expect(errors[0].message).toBe('An unexpected error occurred');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('ECONNREFUSED');
    expect(res.body).not.toContain('10.0.0.5');
    expect(res.body).not.toContain('stack');
  });

  it('tree without a token → UNAUTHENTICATED', async () => {
    const res = await t.gql('{ tree { id } }');
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.json().data).toBeNull();
  });

  it('tree with a token answers (control case)', async () => {
    const token = await t.tokenFor({});
    const res = await t.gql('{ tree { id child { id } } }', { token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { tree: { id: 'n', child: { id: 'n' } } } });
  });
});
