import { type ModuleMetadata, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { appConfig } from './config/app.config.js';
import { databaseConfig } from './config/database.config.js';
import { filesConfig } from './config/files.config.js';
import { graphqlConfig } from './config/graphql.config.js';
import { httpConfig } from './config/http.config.js';
import { registerFastifyErrorHandler } from './core/errors/fastify-error-handler.js';
import { graphqlRequestChecker } from './core/graphql/graphql-request.js';
import { registerGraphqlTransport } from './core/graphql/graphql-transport.js';
import { GraphqlRateLimiter } from './core/rate-limit/graphql-rate-limiter.js';
import { registerHttpHooks } from './core/http/http-hooks.js';
import { registerInputGuard } from './core/http/input-guard.js';
import { registerMultipart } from './core/http/multipart.js';
import { createOpenApiDocument } from './core/http/openapi-document.js';
import { genReqId } from './core/http/request-id.js';
import { applyCors } from './core/http/security.js';
import { buildSecurityHeaders } from './core/http/security-headers.js';
import { ShutdownState } from './core/lifecycle/shutdown.state.js';

export const API_PREFIX = 'api/v1';
const UNPREFIXED = ['health', 'ready', 'health/details', 'metrics'];

/**
 * Builds the application exactly as production runs it; main.ts and the e2e tests both use it.
 * `extraModules` lets tests mount test-only controllers or workers next to the real app.
 */
export async function createApp(
  options: { extraModules?: ModuleMetadata['imports'] } = {},
): Promise<NestFastifyApplication> {
  const app = appConfig();
  const http = httpConfig();
  const graphql = graphqlConfig();
  const adapter = new FastifyAdapter({
    // Fastify accepts a hop count too; its adapter typing does not say so.
    trustProxy: http.trustProxy as boolean | string[],
    bodyLimit: http.bodyLimitBytes,
    // Slow clients are bounded: headers within headersMs of connecting, the whole request
    // within requestMs, no socket silent for idleMs, idle keep-alive sockets kept keepAliveMs.
    // Node checks the first two every connectionsCheckingInterval (30 s by default: too coarse).
    http: {
      headersTimeout: http.timeouts.headersMs,
      requestTimeout: http.timeouts.requestMs,
      connectionsCheckingInterval: Math.min(1000, http.timeouts.headersMs),
    },
    requestTimeout: http.timeouts.requestMs,
    connectionTimeout: http.timeouts.idleMs,
    keepAliveTimeout: http.timeouts.keepAliveMs,
    genReqId,
    requestIdHeader: false,
    return503OnClosing: true,
  });
  const lifecycle: { shutdown?: ShutdownState } = {};
  registerHttpHooks(adapter.getInstance(), {
    queryWarnCount: databaseConfig().queryWarnCount,
    isShuttingDown: () => lifecycle.shutdown?.shuttingDown ?? false,
    headers: buildSecurityHeaders({ hsts: http.hsts }),
  });
  const files = filesConfig();
  await registerMultipart(adapter.getInstance(), {
    maxFileBytes: Math.max(files.avatar.maxBytes, files.attachment.maxBytes),
  });
  registerGraphqlTransport(adapter.getInstance(), graphql, () => nest.get(GraphqlRateLimiter));
  registerInputGuard(adapter.getInstance(), graphqlRequestChecker(graphql.maxBatch));
  registerFastifyErrorHandler(adapter);

  const root: Type<unknown> = options.extraModules?.length
    ? (await import('./testing-root.module.js')).withExtraModules(AppModule, options.extraModules)
    : AppModule;
  // abortOnError: false makes a failed start throw (main.ts reports it) instead of exiting here.
  const nest = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  nest.useLogger(nest.get(Logger));
  lifecycle.shutdown = nest.get(ShutdownState);
  nest.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  applyCors(nest, http);

  if (app.apiDocsEnabled) {
    const document = createOpenApiDocument(nest, { title: app.name, version: app.version });
    SwaggerModule.setup('docs', nest, document, { jsonDocumentUrl: 'docs-json' });
  }
  try {
    await nest.init();
  } catch (error) {
    // Release what a half-started app holds (pools, workers) before reporting the failure.
    await nest.close().catch(() => undefined);
    throw error;
  }
  return nest;
}
