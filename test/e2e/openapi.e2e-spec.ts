import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Response = {
  description: string;
  content?: Record<string, { schema?: unknown; examples?: Record<string, { value: unknown }> }>;
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const PROBLEM = 'application/problem+json';
const SOME_UUID = '3f2b8c1e-7a4d-4e6f-9b0a-5c1d2e3f4a5b';

function operations(document: OpenAPIObject) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      path,
      method,
      op: item[method] as Operation,
      responses: item[method]!.responses as Record<string, Response>,
    })),
  );
}

describe('OpenAPI document (/docs-json)', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  beforeAll(async () => {
    t = await bootApp();
    const res = await t.rest({ url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    document = res.json() as OpenAPIObject;
  });
  afterAll(() => t?.close());

  it('passes the OpenAPI validator (schema and semantics)', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('gives every operation a 2xx with a schema, an explicit no-content, or a 302 redirect', () => {
    const missing = operations(document).filter(({ responses }) => {
      const success = Object.entries(responses).filter(([status]) => /^2/.test(status));
      // A browser redirect (the OpenID start) answers 302 only.
      if (success.length === 0) return responses['302'] === undefined;
      return !success.every(([status, response]) =>
        status === '204'
          ? response.content === undefined
          : Object.values(response.content ?? {}).length > 0 &&
            Object.values(response.content ?? {}).every((media) => media.schema !== undefined),
      );
    });
    expect(missing.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(operations(document).length).toBeGreaterThanOrEqual(60);
  });

  it('gives every operation problem+json error responses with an example per code', () => {
    for (const { method, path, responses } of operations(document)) {
      const errors = Object.entries(responses).filter(([status]) => /^[45]/.test(status));
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        if (path === '/ready' && status === '503') continue; // the readiness body, not a problem
        const media = response.content?.[PROBLEM];
        expect(media?.schema, `${method} ${path} ${status}`).toEqual({
          $ref: '#/components/schemas/Problem',
        });
        const examples = Object.values(media?.examples ?? {});
        expect(examples.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        for (const example of examples) {
          expect(example.value).toMatchObject({ status: Number(status), type: 'about:blank' });
        }
      }
    }
  });

  it('asks for the bearer token on every route but the public ones, with 401, 403 and 429 where they apply', () => {
    const byKey = new Map(operations(document).map((o) => [`${o.method} ${o.path}`, o]));
    const publicOnes = operations(document)
      .filter(({ op }) => op.security?.length === 0)
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(publicOnes).toEqual(
      [
        'get /api/v1/files/{id}/download',
        'get /api/v1/auth/providers',
        'get /api/v1/auth/oidc/{provider}',
        'get /api/v1/auth/oidc/{provider}/callback',
        'post /api/v1/auth/oidc/exchange',
        'get /health',
        'get /ready',
        'post /api/v1/auth/login',
        'post /api/v1/auth/password/forgot',
        'post /api/v1/auth/password/reset',
        'post /api/v1/auth/refresh',
        'post /api/v1/auth/register',
        'post /api/v1/auth/restore',
        'post /api/v1/auth/verify-email',
        'post /api/v1/webhooks/{source}',
      ].sort(),
    );
    // The event stream takes the bearer token or a single-use ticket in the query.
    expect(byKey.get('get /api/v1/notifications/stream')?.op.security).toEqual([
      { bearer: [] },
      {},
    ]);
    for (const { op, responses, method, path } of operations(document)) {
      if (op.security?.length === 0 || path === '/api/v1/notifications/stream') continue;
      // A session's token, or an API key (Bearer nsk_… or X-API-Key) where keys are accepted.
      expect(
        [[{ bearer: [] }], [{ bearer: [] }, { 'api-key': [] }]],
        `${method} ${path}`,
      ).toContainEqual(op.security);
      expect(responses['401'], `${method} ${path}`).toBeDefined();
    }
    // Account security is for a signed-in session only; API keys do everything else.
    expect(byKey.get('post /api/v1/users/me/password')?.op.security).toEqual([{ bearer: [] }]);
    expect(byKey.get('get /api/v1/files')?.op.security).toEqual([
      { bearer: [] },
      { 'api-key': [] },
    ]);
    expect(
      (byKey.get('get /api/v1/admin/users')?.op as Record<string, unknown> | undefined)?.[
        'x-required-permission'
      ],
    ).toEqual(['users.read']);
    // @Permissions routes, including those of modules without doc decorators (stats).
    for (const key of ['get /api/v1/admin/users', 'get /api/v1/stats', 'get /health/details']) {
      expect(byKey.get(key)?.responses['403'], key).toBeDefined();
    }
    expect(byKey.get('post /api/v1/auth/login')?.responses['429']).toBeDefined();
    expect(byKey.get('get /health')?.responses['429']).toBeUndefined(); // exempt from limits
    expect(
      Object.keys(
        byKey.get('post /api/v1/auth/login')?.responses['401']?.content?.[PROBLEM]?.examples ?? {},
      ),
    ).toEqual(expect.arrayContaining(['UNAUTHENTICATED', 'OTP_REQUIRED']));
  });

  it('documents the status the real app answers to each operation without a token or input', async () => {
    const undocumented: string[] = [];
    for (const { method, path, responses } of operations(document)) {
      const url = path.replace(/\{[^}]+\}/g, SOME_UUID);
      const res = await t.rest({
        method: method.toUpperCase() as 'GET',
        url,
        ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
      });
      if (!responses[String(res.statusCode)]) {
        undocumented.push(`${method} ${path} answered ${res.statusCode}`);
      }
      if (res.statusCode >= 400 && !(path === '/ready' && res.statusCode === 503)) {
        expect(res.headers['content-type'], `${method} ${path}`).toContain(PROBLEM);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
