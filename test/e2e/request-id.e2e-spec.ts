import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('keeps a well-formed incoming X-Request-ID (REST and GraphQL)', async () => {
    const id = 'abc.DEF_123-xyz';
    const rest = await t.rest({ url: '/health', headers: { 'x-request-id': id } });
    expect(rest.headers['x-request-id']).toBe(id);
    const gql = await t.gql('{ __typename }', { headers: { 'x-request-id': id } });
    expect(gql.headers['x-request-id']).toBe(id);
  });

  it('accepts exactly 128 characters', async () => {
    const id = 'a'.repeat(128);
    const res = await t.rest({ url: '/health', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
  });

  it.each([
    ['too long (129 chars)', 'a'.repeat(129)],
    ['spaces', 'has spaces'],
    ['header injection characters', 'abc;rm -rf'],
    ['slashes', '../../etc'],
    ['non-ASCII', 'ид-запроса'],
  ])('replaces a malformed id (%s) with a fresh UUID', async (_label, id) => {
    const res = await t.rest({
      url: '/health',
      headers: { 'x-request-id': encodeURI(id) === id ? id : encodeURI(id) },
    });
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('generates a distinct UUID per request when none is sent', async () => {
    const a = await t.rest({ url: '/health' });
    const b = await t.rest({ url: '/health' });
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('puts the id in REST error bodies and GraphQL error extensions', async () => {
    const rest = await t.rest({ url: '/nowhere', headers: { 'x-request-id': 'err-rest-1' } });
    expect(rest.statusCode).toBe(404);
    expect(rest.json().requestId).toBe('err-rest-1');
    const gql = await t.gql('{ nope }', { headers: { 'x-request-id': 'err-gql-1' } });
    expect(gql.json().errors[0].extensions.requestId).toBe('err-gql-1');
    expect(gql.headers['x-request-id']).toBe('err-gql-1');
  });
});
