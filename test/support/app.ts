import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect, inject } from 'vitest';
import { ensureDatabase } from '../../src/core/database/embedded-postgres.js';
import { AccessTokenService } from '../../src/core/auth/access-token.service.js';
import { closeWithWatchdog } from './close-watchdog.js';

/** Connection pools of a test app (in-process or a child process). */
export const TEST_POOL_SIZES = { DB_POOL_SIZE: '5', QUEUE_PG_POOL_SIZE: '1' } as const;

export const TEST_JWT_SECRET = 'a3f1c9e07b5d42e8a61f0c3d9b7e25f4c8a0d6e1b3f7092c5e4d8a1b6c3f0e97';

/** One database per test worker, created on first use; migrations run when the app boots. */
export async function workerDatabaseUrl(): Promise<string> {
  const admin = new URL(inject('adminDatabaseUrl'));
  const name = `starter_test_${inject('runId')}_${process.env.VITEST_POOL_ID ?? '1'}`;
  await ensureDatabase(admin.toString(), name);
  admin.pathname = `/${name}`;
  return admin.toString();
}

export interface RestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  token?: string;
}

export interface GqlOptions {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
}

/** REST and GraphQL calls that all carry one access token. */
export interface AuthenticatedClient {
  rest(options: Omit<RestOptions, 'token'>): Promise<LightMyRequestResponse>;
  gql(query: string, options?: Omit<GqlOptions, 'token'>): Promise<LightMyRequestResponse>;
}

export interface TestApp {
  app: NestFastifyApplication;
  rest(options: RestOptions): Promise<LightMyRequestResponse>;
  gql(query: string, options?: GqlOptions): Promise<LightMyRequestResponse>;
  /** A signed access token for a user that need not exist (no database row). */
  tokenFor(user: { id?: string; roles?: string[] }): Promise<string>;
  as(token: string): AuthenticatedClient;
  close(): Promise<void>;
}

export interface BootOptions {
  env?: Record<string, string | undefined>;
  extraModules?: ModuleMetadata['imports'];
  /** Use Redis for queues and rate limits (the caller checks that Redis is reachable). */
  redis?: boolean;
}

/** Boots the real application (AppModule, Fastify, real PostgreSQL and, if asked, Redis). */
export async function bootApp(options: BootOptions = {}): Promise<TestApp> {
  const databaseUrl = await workerDatabaseUrl();

  const previous = { ...process.env };
  const redisUrl = options.redis ? inject('redisUrl') : null;
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    DB_MIGRATE_ON_START: 'true',
    JWT_SECRET: TEST_JWT_SECRET,
    // The run's own prefix: the global teardown deletes exactly these keys.
    QUEUE_PREFIX: `${inject('redisKeyPrefix')}-${process.env.VITEST_POOL_ID ?? '1'}-${randomUUID().slice(0, 8)}`,
    QUEUE_BACKOFF_MS: '50',
    // Two workers run test files at once against one PostgreSQL (max_connections 100): small
    // pools keep the whole suite well below it. A test may still ask for more.
    ...TEST_POOL_SIZES,
    API_DOCS_ENABLED: 'true',
    // Mail each notification at once; the digest spec sets its own window.
    NOTIFICATIONS_EMAIL_DIGEST_SECONDS: '0',
  });
  delete process.env.REDIS_URL;
  if (redisUrl) process.env.REDIS_URL = redisUrl;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }

  const { createApp } = await import('../../src/bootstrap.js');
  let app: NestFastifyApplication;
  try {
    app = await createApp({ extraModules: options.extraModules });
    await app.getHttpAdapter().getInstance().ready();
  } finally {
    process.env = previous;
  }
  const fastify = app.getHttpAdapter().getInstance();
  const label = expect.getState().testPath ?? 'test app';
  const auth = (token?: string): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};

  const rest: TestApp['rest'] = ({ method = 'GET', url, payload, headers = {}, token }) =>
    fastify.inject({
      method,
      url,
      headers: { ...auth(token), ...headers },
      ...(payload === undefined ? {} : { payload: payload as string | object }),
    });
  const gql: TestApp['gql'] = (query, { variables, token, headers = {} } = {}) =>
    fastify.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...auth(token), ...headers },
      payload: { query, variables },
    });

  return {
    app,
    rest,
    gql,
    tokenFor: ({ id = randomUUID(), roles = ['user'] }) =>
      app.get(AccessTokenService).sign({ id, roles }),
    as: (token) => ({
      rest: (options) => rest({ ...options, token }),
      gql: (query, options) => gql(query, { ...options, token }),
    }),
    close: () => closeWithWatchdog(app, label, options.env?.DATABASE_URL ?? databaseUrl),
  };
}
