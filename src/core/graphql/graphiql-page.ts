import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphqlConfig } from '../../config/graphql.config.js';
import { besideModule, contentTypeOf, serveStatic, staticAsset } from '../http/static-assets.js';

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
  ['/graphiql', 'index.html'],
  ['/graphiql/graphiql.js', 'graphiql.js'],
  ['/graphiql/graphiql.css', 'graphiql.css'],
  // Without an icon of its own, the browser asks for /favicon.ico (a 404).
  ['/graphiql/favicon.svg', 'favicon.svg'],
] as const;

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
    const dir = besideModule(import.meta.url, 'graphiql');
    const assets = FILES.map(([url, file]) => {
      const asset = staticAsset(readFileSync(join(dir, file)), contentTypeOf(file));
      return [url, asset] as [string, ReturnType<typeof staticAsset>];
    });
    serveStatic(fastify, assets, { 'content-security-policy': GRAPHIQL_CSP });
  }
}
