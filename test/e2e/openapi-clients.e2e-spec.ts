import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GRAPHQL_TYPES_FILE,
  graphqlTypes,
  REST_TYPES_FILE,
  restTypes,
} from '../../clients/generate.js';
import { bootApp, type TestApp } from '../support/app.js';

const require = createRequire(import.meta.url);
/** `npm run clients` sets it: the test rewrites the committed files instead of comparing. */
const UPDATE = process.env.UPDATE_CLIENTS === '1';

function checkCommitted(file: string, generated: string): void {
  const path = join(process.cwd(), file);
  if (UPDATE) writeFileSync(path, generated);
  expect(existsSync(path), `${file} is missing: run npm run clients`).toBe(true);
  expect(readFileSync(path, 'utf8'), `${file} is stale: run npm run clients`).toBe(generated);
}

describe('typed clients (clients/, UPDATE_CLIENTS=1 rewrites them)', () => {
  let t: TestApp;
  let document: object;
  beforeAll(async () => {
    t = await bootApp();
    document = (await t.rest({ url: '/docs-json' })).json() as object;
  });
  afterAll(() => t?.close());

  it('REST types (openapi-typescript) match the current OpenAPI document', async () => {
    checkCommitted(REST_TYPES_FILE, await restTypes(document));
  });

  it('GraphQL types (GraphQL Code Generator) match the committed schema.graphql', async () => {
    const sdl = readFileSync(join(process.cwd(), 'schema.graphql'), 'utf8');
    checkCommitted(GRAPHQL_TYPES_FILE, await graphqlTypes(sdl));
  });

  it('a typed usage of both compiles (tsc -p clients)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const run = promisify(execFile)(process.execPath, [tsc, '-p', 'clients/tsconfig.json'], {
      cwd: process.cwd(),
    });
    await expect(
      run.catch((error: { stdout?: string }) => Promise.reject(new Error(error.stdout))),
    ).resolves.toMatchObject({ stdout: '' });
  }, 120_000);
});
