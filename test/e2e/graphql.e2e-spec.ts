import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { LightMyRequestResponse } from 'fastify';
import { GraphQLObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

/**
 * Imported lazily, after the schema check: importing it registers its GraphQL types (TreeNode)
 * in Nest's global type metadata, which would leak into the schema of every app booted after.
 */
const testFeature = async () =>
  (await import('../support/test-feature.module.js')).TestFeatureModule;

const SCHEMA_FILE = join(process.cwd(), 'schema.graphql');

interface GqlError {
  message: string;
  extensions: { code: string; requestId: string };
}

/** Every error carries a code and the request id the response header carries. */
function gqlErrors(res: LightMyRequestResponse): GqlError[] {
  const body = res.json() as { errors?: GqlError[] };
  expect(Array.isArray(body.errors)).toBe(true);
  for (const error of body.errors ?? []) {
    expect(typeof error.extensions.code).toBe('string');
    expect(error.extensions.requestId).toBe(res.headers['x-request-id']);
  }
  return body.errors ?? [];
}

/** `tree { child { child { ... { id } } } }` with `childLevels` nested child selections. */
function treeQuery(childLevels: number): string {
  let selection = 'id';
  for (let i = 0; i < childLevels; i++) selection = `child { ${selection} }`;
  return `{ tree { ${selection} } }`;
}

function aliasQuery(count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: __typename`).join(' ')} }`;
}

/** The SDL without a leading comment banner (older files carry Nest's "generated" header). */
function withoutBanner(sdl: string): string {
  return sdl.replace(/^(#.*\n)+/, '').trim();
}

describe('committed schema.graphql (UPDATE_SCHEMA=1 rewrites it)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('matches the schema the app serves', () => {
    const { schema } = t.app.get(GraphQLSchemaHost);
    const actual = printSchema(lexicographicSortSchema(schema)).trim();
    if (process.env.UPDATE_SCHEMA === '1') {
      // Byte for byte what `npm run schema` writes, so neither path churns the file.
      writeFileSync(SCHEMA_FILE, `${actual}\n`);
    }
    expect(existsSync(SCHEMA_FILE), 'schema.graphql is missing').toBe(true);
    const committed = withoutBanner(readFileSync(SCHEMA_FILE, 'utf8'));
    expect(
      committed,
      'schema.graphql is stale: run `npm run schema` (or ' +
        '`UPDATE_SCHEMA=1 npx vitest run test/e2e/graphql.e2e-spec.ts`) and commit the result',
    ).toBe(actual);
  });

  it('registers field resolvers without parameter decorators as the plain GraphQL resolver', () => {
    const { schema } = t.app.get(GraphQLSchemaHost);
    const resolverOf = (type: string, field: string) => {
      const object = schema.getType(type);
      if (!(object instanceof GraphQLObjectType)) throw new Error(`${type} is not an object type`);
      return object.getFields()[field]?.resolve?.name;
    };
    // Nest binds the method itself (no per-call execution context, pipes or param factories):
    // the relation and link fields that read only their parent, called once per list item.
    expect(resolverOf('AuditLogEntry', 'actor')).toMatch(/^(bound )+actor$/);
    expect(resolverOf('File', 'url')).toMatch(/^(bound )+url$/);
    // A field with validated @Args keeps Nest's wrapper (and its validation pipe).
    expect(resolverOf('File', 'thumbnailUrl')).not.toMatch(/thumbnailUrl$/);
  });

  it('suggests names while introspection is on', async () => {
    const res = await t.gql('{ mee { id } }');
    expect(gqlErrors(res)[0].message).toBe(
      'Cannot query field "mee" on type "Query". Did you mean "me"?',
    );
  });

  it('allows introspection by default outside production', async () => {
    const res = await t.gql('{ __schema { queryType { name } } }');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('GraphQL limits, batching and request ids', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await bootApp({ extraModules: [await testFeature()] });
    token = await t.tokenFor({});
  });
  afterAll(() => t.close());

  it('answers a query at the depth limit (10 levels: tree, 8 × child, id)', async () => {
    const res = await t.gql(treeQuery(8), { token });
    expect(res.statusCode).toBe(200);
    expect(res.json().errors).toBeUndefined();
    let node = res.json().data.tree;
    for (let i = 0; i < 8; i++) node = node.child;
    expect(node).toEqual({ id: 'n' });
  });

  it('refuses a query of depth 11 → QUERY_TOO_COMPLEX', async () => {
    const res = await t.gql(treeQuery(9), { token });
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('depth');
    expect(errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.json().data ?? null).toBeNull();
  });

  it('refuses a much deeper query → QUERY_TOO_COMPLEX', async () => {
    const res = await t.gql(treeQuery(40), { token });
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('allows 15 aliases', async () => {
    const res = await t.gql(aliasQuery(15));
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().data)).toHaveLength(15);
  });

  it('refuses 16 aliases → QUERY_TOO_COMPLEX', async () => {
    const res = await t.gql(aliasQuery(16));
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(errors[0].message).toContain('15 aliases');
  });

  it('runs a batch of 2 operations and answers both', async () => {
    const res = await t.rest({
      method: 'POST',
      url: '/graphql',
      payload: [{ query: '{ __typename }' }, { query: '{ a: __typename }' }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ data: { __typename: 'Query' } }, { data: { a: 'Query' } }]);
  });

  it('refuses a batch of 11 operations → 400 QUERY_TOO_COMPLEX', async () => {
    const res = await t.rest({
      method: 'POST',
      url: '/graphql',
      payload: Array.from({ length: 11 }, () => ({ query: '{ __typename }' })),
    });
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('answers the same once a document is compiled by graphql-jit (GRAPHQL_JIT_AFTER=3)', async () => {
    // Runs 1-3 go through graphql-js, the later ones through the compiled query: data, errors
    // and their extensions must not change with the executor.
    const strip = (body: { errors?: Array<{ extensions: Record<string, unknown> }> }) => {
      for (const error of body.errors ?? []) delete error.extensions.requestId;
      return body;
    };
    const answers = [];
    for (let run = 0; run < 6; run++) {
      const ok = await t.gql(treeQuery(3), { token });
      const denied = await t.gql('{ tree { id } }');
      answers.push({
        ok: ok.json(),
        denied: strip(denied.json()),
        statuses: [ok.statusCode, denied.statusCode],
      });
    }
    const [first, ...later] = answers;
    expect(first?.ok.errors).toBeUndefined();
    expect(first?.denied.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    for (const answer of later) expect(answer).toEqual(first);
  });

  it('sends X-Request-ID on successful GraphQL responses', async () => {
    const res = await t.gql('{ __typename }');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('uses the X-Request-ID header value as extensions.requestId on errors', async () => {
    const res = await t.gql('{ tree { id } }');
    const errors = gqlErrors(res);
    expect(errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(errors[0].extensions.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a valid incoming X-Request-ID, on success and in errors', async () => {
    const ok = await t.gql('{ __typename }', { headers: { 'x-request-id': 'client-req.42_A' } });
    expect(ok.headers['x-request-id']).toBe('client-req.42_A');
    const failed = await t.gql('{ boom }', { headers: { 'x-request-id': 'client-req.43_B' } });
    expect(failed.headers['x-request-id']).toBe('client-req.43_B');
    expect(gqlErrors(failed)[0].extensions.requestId).toBe('client-req.43_B');
  });

  it('replaces a malformed incoming X-Request-ID', async () => {
    const res = await t.gql('{ __typename }', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GraphQL query cost (GRAPHQL_MAX_COMPLEXITY=5)', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await bootApp({
      env: { GRAPHQL_MAX_COMPLEXITY: '5' },
      extraModules: [await testFeature()],
    });
    token = await t.tokenFor({});
  });
  afterAll(() => t.close());

  it('answers a query of cost 5', async () => {
    // tree + child + child + id + id = 5 fields.
    const res = await t.gql(
      '{ tree { id child { id child { id } } } }'.replace(
        ' id child { id child { id } } ',
        ' child { id child { id } } ',
      ),
      { token },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().errors).toBeUndefined();
  });

  it('refuses a query of cost 6 → QUERY_TOO_COMPLEX naming the cost', async () => {
    const res = await t.gql('{ tree { id child { id child { id } } } }', { token });
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(errors[0].message).toMatch(/cost 6\b/);
    expect(res.json().data ?? null).toBeNull();
  });
});

describe('GraphQL with introspection and GraphiQL switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { GRAPHQL_INTROSPECTION: 'false', GRAPHQL_GRAPHIQL: 'false' } });
  });
  afterAll(() => t.close());

  it('refuses introspection → GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await t.gql('{ __schema { queryType { name } } }');
    expect(res.statusCode).toBe(400);
    const errors = gqlErrors(res);
    // One error per introspection field selected (__schema and queryType).
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(error.message).toContain('introspection');
    }
    expect(res.json().data ?? null).toBeNull();
  });

  it('suggests no field or input field names ("Did you mean")', async () => {
    const field = await t.gql('{ mee { id } }');
    const input = await t.gql(
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: { emial: 'a@example.com', password: 'x' } } },
    );
    for (const res of [field, input]) {
      expect(res.statusCode).toBe(400);
      const errors = gqlErrors(res);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.message).not.toContain('Did you mean');
    }
    expect(gqlErrors(field)[0].message).toBe('Cannot query field "mee" on type "Query".');
  });

  it('still answers __typename', async () => {
    const res = await t.gql('{ __typename }');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('does not serve GraphiQL', async () => {
    const res = await t.rest({ url: '/graphiql' });
    expect(res.statusCode).toBe(404);
  });
});

describe('GraphiQL switched on (GRAPHQL_GRAPHIQL=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ env: { GRAPHQL_GRAPHIQL: 'true' } });
  });
  afterAll(() => t.close());

  it('serves GET /graphiql', async () => {
    const res = await t.rest({ url: '/graphiql' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
