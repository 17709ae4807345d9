import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CSP } from '../../src/core/graphql/graphiql-page.js';
import { bootApp, type TestApp } from '../support/app.js';

describe('GraphiQL served from the app itself (GRAPHQL_GRAPHIQL=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { GRAPHQL_GRAPHIQL: 'true' } });
  });
  afterAll(() => t?.close());

  it('loads only its own files, under a CSP that allows no other origin', async () => {
    const page = await t.rest({ url: '/graphiql' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(GRAPHIQL_CSP);
    expect(page.body).not.toMatch(/https?:\/\/|<style|<script>/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual([
      '/graphiql/favicon.svg',
      '/graphiql/graphiql.css',
      '/graphiql/graphiql.js',
    ]);
    for (const url of assets) {
      const res = await t.rest({ url });
      expect(res.statusCode).toBe(200);
      if (!url.endsWith('.svg')) expect(res.body).not.toMatch(/https?:\/\//); // the svg's xmlns
    }
  });

  it('its script talks to /graphql, which answers the query it sends', async () => {
    const script = (await t.rest({ url: '/graphiql/graphiql.js' })).body;
    expect(script).toContain("fetch('/graphql'");
    const res = await t.rest({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ __typename }', variables: {} },
    });
    expect(res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('no longer serves the CDN-backed Mercurius files', async () => {
    expect((await t.rest({ url: '/graphiql/main.js' })).statusCode).toBe(404);
    expect((await t.rest({ url: '/graphiql/config.js' })).statusCode).toBe(404);
  });
});

describe('GraphiQL off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { GRAPHQL_GRAPHIQL: 'false' } });
  });
  afterAll(() => t?.close());

  it('answers 404 for the page and its files', async () => {
    for (const url of ['/graphiql', '/graphiql/graphiql.js']) {
      expect((await t.rest({ url })).statusCode).toBe(404);
    }
  });
});
