import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** OPTIONS and arbitrary headers, which the rest() helper does not offer. */
function inject(
  t: TestApp,
  options: { method: 'GET' | 'OPTIONS'; url: string; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  return t.app.getHttpAdapter().getInstance().inject(options);
}

describe('security headers (NODE_ENV=test)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('sets the hardening headers on /health', async () => {
    const res = await t.rest({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['permissions-policy']).toEqual(expect.stringContaining('camera=()'));
    expect(res.headers['x-xss-protection']).toBe('0');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('does not send HSTS outside production', async () => {
    const res = await t.rest({ url: '/health' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('sets the same headers on error responses', async () => {
    const res = await t.rest({ url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('sends no CORS headers when CORS_ORIGINS is empty (the default)', async () => {
    const res = await inject(t, { method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('security headers (NODE_ENV=production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: '9c1e4b7a2f5d8063e1a4c7b0d3f6928e5b1a4d7c0f3e6a9b2c5d8e1f4a7b0c3d',
        SIGNING_SECRET: '4e7a0d3c6f9b2e5a8d1c4f7b0e3a6d9c2f5b8e1a4d7c0f3b6e9a2d5c8f1b4e7a',
      },
    });
  });
  afterAll(() => t.close());

  it('sends HSTS for one year including subdomains', async () => {
    const res = await t.rest({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('keeps GraphiQL and its CDN out of the CSP in production', async () => {
    const res = await t.rest({ url: '/health' });
    expect(res.headers['content-security-policy']).not.toContain('unpkg.com');
    expect((await t.rest({ url: '/graphiql' })).statusCode).toBe(404);
  });
});

describe('CORS allow-list (CORS_ORIGINS=https://app.example.com)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { CORS_ORIGINS: ALLOWED } });
  });
  afterAll(() => t.close());

  it('echoes an allowed origin with credentials', async () => {
    const res = await inject(t, { method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-expose-headers'])).toContain('X-Request-ID');
    expect(String(res.headers['access-control-expose-headers'])).toContain('Idempotent-Replayed');
    expect(String(res.headers.vary)).toMatch(/origin/i);
  });

  it('sends no allow-origin header to another origin', async () => {
    const res = await inject(t, { method: 'GET', url: '/health', headers: { origin: EVIL } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a preflight from the allowed origin with 204 and the allowed methods', async () => {
    // The API has PUT, PATCH and DELETE routes (API.md): a browser must be allowed to send them.
    const res = await inject(t, {
      method: 'OPTIONS',
      url: '/api/v1/jobs/00000000-0000-0000-0000-000000000000',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const methods = String(res.headers['access-control-allow-methods']).split(/\s*,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'authorization',
    );
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('gives a preflight from another origin no allow-origin header', async () => {
    const res = await inject(t, {
      method: 'OPTIONS',
      url: '/api/v1/jobs/00000000-0000-0000-0000-000000000000',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('OpenAPI documents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('GET /docs serves the UI with every asset from this server', async () => {
    const res = await t.rest({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const refs = [...res.body.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, `${ref} is not relative`).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
    }
    expect(res.body).not.toMatch(/(?:src|href)\s*=\s*["']?https?:\/\//i);
  });

  it('GET /docs serves its assets', async () => {
    const html = (await t.rest({ url: '/docs' })).body;
    const scripts = [...html.matchAll(/<script[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map(
      (m) => m[1],
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const url = new URL(src, 'http://localhost/docs').pathname;
      const res = await t.rest({ url });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('GET /docs-json lists the public routes', async () => {
    const res = await t.rest({ url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/jobs/{id}', '/health', '/ready']),
    );
  });
});
