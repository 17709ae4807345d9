import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppException } from '../errors/app.exception.js';
import { canonicalJson, describeIdempotentRequest, fingerprintOf } from './idempotent-request.js';

function request(overrides: {
  method?: string;
  url?: string;
  key?: string | string[];
  body?: unknown;
  params?: unknown;
  multipart?: boolean;
}): FastifyRequest {
  return {
    method: overrides.method ?? 'POST',
    routeOptions: { url: overrides.url ?? '/api/v1/things/:id' },
    headers: overrides.key === undefined ? {} : { 'idempotency-key': overrides.key },
    body: overrides.body,
    params: overrides.params ?? {},
    query: {},
    isMultipart: () => overrides.multipart ?? false,
  } as unknown as FastifyRequest;
}

const refusal = (fn: () => unknown): AppException => {
  try {
    fn();
  } catch (error) {
    return error as AppException;
  }
  throw new Error('expected a refusal');
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 2 }], a: null })).toBe(
      '{"a":null,"b":[2,{"c":2,"d":1}]}',
    );
    expect(fingerprintOf({ x: 1, y: 2 })).toBe(fingerprintOf({ y: 2, x: 1 }));
    expect(fingerprintOf([1, 2])).not.toBe(fingerprintOf([2, 1]));
  });

  it('drops undefined members as JSON does, and tells strings from numbers', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(fingerprintOf({ a: '1' })).not.toBe(fingerprintOf({ a: 1 }));
  });
});

describe('describeIdempotentRequest', () => {
  it('applies to POST routes with the header, scoped by route template', () => {
    const described = describeIdempotentRequest(
      request({ key: 'abc', body: { a: 1 }, params: { id: '1' } }),
    );
    expect(described).toMatchObject({ route: 'POST /api/v1/things/:id', key: 'abc' });
    const otherId = describeIdempotentRequest(
      request({ key: 'abc', body: { a: 1 }, params: { id: '2' } }),
    );
    expect(otherId?.fingerprint).not.toBe(described?.fingerprint);
  });

  it('ignores requests without the header, other methods and unmatched routes', () => {
    expect(describeIdempotentRequest(request({}))).toBeUndefined();
    expect(describeIdempotentRequest(request({ method: 'PUT', key: 'k' }))).toBeUndefined();
    const unmatched = request({ key: 'k' });
    (unmatched.routeOptions as { url?: string }).url = undefined;
    expect(describeIdempotentRequest(unmatched)).toBeUndefined();
  });

  it('refuses malformed keys and multipart requests with VALIDATION_FAILED', () => {
    for (const key of ['', 'x'.repeat(256), 'caf\u00e9', 'a\tb', ['a', 'b']]) {
      const error = refusal(() => describeIdempotentRequest(request({ key, body: {} })));
      expect(error).toBeInstanceOf(AppException);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.errors?.[0].field).toBe('Idempotency-Key');
    }
    const upload = refusal(() => describeIdempotentRequest(request({ key: 'k', multipart: true })));
    expect(upload.code).toBe('VALIDATION_FAILED');
  });

  it('on /graphql, applies to mutations only and fingerprints query, name and variables', () => {
    const gql = (body: unknown, key = 'k') =>
      describeIdempotentRequest(request({ url: '/graphql', key, body }));
    expect(gql({ query: '{ me { id } }' })).toBeUndefined();
    expect(gql({ query: 'query Q { a } mutation M { b }', operationName: 'Q' })).toBeUndefined();
    expect(gql({ query: 'not graphql' })).toBeUndefined();
    // A malformed key on a query is ignored with the rest of the header.
    expect(gql({ query: '{ a }' }, '')).toBeUndefined();

    const mutation = gql({ query: 'mutation { b }' });
    expect(mutation?.route).toBe('POST /graphql');
    expect(gql({ query: 'mutation { b }', variables: {} })?.fingerprint).toBe(
      mutation?.fingerprint,
    );
    expect(gql({ query: 'mutation { b }', variables: { x: 1 } })?.fingerprint).not.toBe(
      mutation?.fingerprint,
    );
    expect(gql([{ query: '{ a }' }, { query: 'mutation { b }' }])).toBeDefined();
  });
});
