import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphqlConfig } from '../../config/graphql.config.js';

/** Its own files only: nothing inline, nothing from a CDN, API calls to this origin. */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES = [
  ['/graphiql', 'index.html', 'text/html; charset=utf-8'],
  ['/graphiql/graphiql.js', 'graphiql.js', 'text/javascript; charset=utf-8'],
  ['/graphiql/graphiql.css', 'graphiql.css', 'text/css; charset=utf-8'],
  // Without an icon of its own, the browser asks for /favicon.ico (a 404).
  ['/graphiql/favicon.svg', 'favicon.svg', 'image/svg+xml'],
] as const;

/** Next to this module from src/, src/core/graphql/graphiql of the package from dist/. */
function assetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const beside = join(dir, 'graphiql');
  if (existsSync(join(beside, 'index.html'))) return beside;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'src', 'core', 'graphql', 'graphiql');
}

/**
 * GraphiQL at /graphiql when GRAPHQL_GRAPHIQL is on: a small page of the app's own instead of
 * Mercurius' one, which loads React and GraphiQL from a CDN and is blank offline.
 */
@Injectable()
export class GraphiqlPage implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(graphqlConfig.KEY) private readonly config: ConfigType<typeof graphqlConfig>,
  ) {}

  onModuleInit(): void {
    if (!this.config.graphiql) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const dir = assetDir();
    for (const [url, file, type] of FILES) {
      const body = readFileSync(join(dir, file));
      fastify.get(url, (_request, reply) =>
        reply
          .header('content-security-policy', GRAPHIQL_CSP)
          .header('cache-control', 'no-cache')
          .type(type)
          .send(body),
      );
    }
  }
}
