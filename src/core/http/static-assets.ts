import { createHash } from 'node:crypto';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** One file of a page the app serves itself (admin page, account pages, GraphiQL). */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * A folder of static files beside the module that serves it, from src/ and from dist/ alike:
 * `npm run build` copies every file of src/ that is not TypeScript into dist/src/.
 */
export const besideModule = (moduleUrl: string, folder: string): string =>
  join(dirname(fileURLToPath(moduleUrl)), folder);

export function contentTypeOf(file: string): string {
  const type = TYPES[extname(file)];
  if (!type) throw new Error(`No content type for ${file}`);
  return type;
}

export function staticAsset(
  body: Buffer | string,
  contentType: string,
  cacheControl = 'no-cache',
): StaticAsset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  return { body: bytes, contentType, cacheControl, etag };
}

/**
 * Registers each asset as a GET route answering `headers` (the page family's CSP and the like),
 * its own Cache-Control and a strong ETag; a matching If-None-Match answers 304.
 */
export function serveStatic(
  fastify: FastifyInstance,
  assets: Iterable<[string, StaticAsset]>,
  headers: Readonly<Record<string, string>>,
): void {
  for (const [url, asset] of assets) {
    fastify.get(url, (request, reply) => {
      reply.headers(headers).header('cache-control', asset.cacheControl).header('etag', asset.etag);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.contentType).send(asset.body);
    });
  }
}
