import type { GraphQLSchema } from 'graphql';
import type { GqlCase } from './graphql.js';
import { deepObject } from './values.js';

const json = (body: unknown): Pick<GqlCase, 'headers' | 'payload'> => ({
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(body),
});

/** Whole documents that are hostile in themselves: size, depth, aliases, cycles, shapes. */
export function hostileDocuments(schema: GraphQLSchema): GqlCase[] {
  const query = schema.getQueryType();
  const someField =
    Object.values(query?.getFields() ?? {}).find((f) => f.args.length === 0)?.name ?? '__typename';
  const nest = (n: number) =>
    `${'__schema { types { fields { type { '.repeat(1)}${'ofType { '.repeat(n)}name${' }'.repeat(n)} } } } }`;
  const docs: Array<[string, Omit<GqlCase, 'id' | 'summary'>]> = [];
  const post = (summary: string, body: unknown) =>
    docs.push([summary, { method: 'POST', url: '/graphql', ...json(body) }]);
  const raw = (summary: string, payload: string | Buffer, contentType?: string) =>
    docs.push([
      summary,
      {
        method: 'POST',
        url: '/graphql',
        headers: contentType ? { 'content-type': contentType } : {},
        payload,
      },
    ]);
  const get = (summary: string, qs: string) =>
    docs.push([summary, { method: 'GET', url: `/graphql?${qs}`, headers: {} }]);

  post('1.3 MB of __typename', { query: `{ ${'__typename '.repeat(120_000)}}` });
  post('600 kB of __typename', { query: `{ ${'__typename '.repeat(55_000)}}` });
  post('selection nested 10 000 deep', { query: `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}` });
  post('unbalanced braces 50 000 deep', { query: '{'.repeat(50_000) });
  post('list literal nested 10 000 deep', {
    query: `{ __type(name: ${'['.repeat(10_000)}${']'.repeat(10_000)}) { name } }`,
  });
  post('object literal nested 5 000 deep', {
    query: `{ __type(name: ${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}) { name } }`,
  });
  post('introspection ofType 30 deep', { query: `{ ${nest(30)} }` });
  post('200 aliases', {
    query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
  });
  post(`50 aliases of ${someField}`, {
    query: `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: ${someField} { __typename }`).join(' ')} }`,
  });
  post('15 aliased full introspections', {
    query: `{ ${Array.from({ length: 15 }, (_, i) => `i${i}: __schema { types { name fields { name args { name } } } }`).join(' ')} }`,
  });
  post('unknown root field', { query: '{ nope }' });
  post('unknown nested field', { query: `{ ${someField} { nope { deeper } } }` });
  post('unknown mutation', { query: 'mutation { nope(x: 1) }' });
  post('subscription (none defined)', { query: 'subscription { anything }' });
  post('fragment cycle', {
    query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
  });
  post('undefined fragment', { query: '{ ...Missing }' });
  post('1 000 fragments chained', {
    query: `{ ...F0 } ${Array.from({ length: 1000 }, (_, i) => `fragment F${i} on Query { __typename ${i < 999 ? `...F${i + 1}` : ''} }`).join(' ')}`,
  });
  post('5 000 skip directives', { query: `{ __typename ${'@skip(if: false) '.repeat(5_000)}}` });
  post('unknown directive', { query: '{ __typename @nope(x: "y") }' });
  post('two operations, no operationName', {
    query: 'query A { __typename } query B { __typename }',
  });
  post('operationName not in the document', {
    query: 'query A { __typename }',
    operationName: 'Z',
  });
  post('operationName not a string', { query: '{ __typename }', operationName: { a: 1 } });
  post('undefined variable', { query: '{ __type(name: $x) { name } }' });
  post('variable of an unknown type', {
    query: 'query Q($x: Nope) { __typename }',
    variables: { x: 1 },
  });
  post('variable declared twice', {
    query: 'query Q($x: String, $x: Int) { __typename }',
    variables: { x: 1 },
  });
  post('5 000 variable definitions', {
    query: `query Q(${Array.from({ length: 5_000 }, (_, i) => `$v${i}: String`).join(', ')}) { __typename }`,
  });
  post('variables a string', { query: '{ __typename }', variables: 'x' });
  post('variables an array', { query: '{ __typename }', variables: [1, 2] });
  post('variables nested 40 deep', {
    query: 'query Q($x: String) { __typename }',
    variables: { x: deepObject(40) },
  });
  post('query a number', { query: 12345 });
  post('query an object', { query: { kind: 'Document' } });
  post('query null', { query: null });
  post('no query', { variables: {} });
  post('query empty', { query: '' });
  post('query only a comment', { query: '# nothing' });
  post('500 kB of comments', { query: `${'#'.repeat(80)}\n`.repeat(6_000) + '{ __typename }' });
  post('__type(name) with NUL', { query: '{ __type(name: "\\u0000") { name } }' });
  post('__type(name) with a lone surrogate escape', {
    query: '{ __type(name: "\\ud800") { name } }',
  });
  post('__type(name) 100 000 chars', {
    query: `{ __type(name: "${'x'.repeat(100_000)}") { name } }`,
  });
  post('string of 50 000 unicode escapes', {
    query: `{ __type(name: "${'\\u0041'.repeat(50_000)}") { name } }`,
  });
  post('block string with weird indentation', {
    query: '{ __type(name: """\n\t\u00a0x\n  """) { name } }',
  });
  post('a list literal of 50 000 items', {
    query: `{ __type(name: [${'1,'.repeat(50_000)}1]) { name } }`,
  });
  post(
    'batch of 11',
    Array.from({ length: 11 }, () => ({ query: '{ __typename }' })),
  );
  post('empty batch', []);
  post('batch of garbage', [1, 'x', null, { query: 7 }]);
  post('batch with a mutation and a query', [
    { query: 'mutation { logout }' },
    { query: '{ __typename }' },
  ]);
  post('persisted query with a bogus hash', {
    extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } },
  });
  post('persisted query with a wrong version', {
    query: '{ __typename }',
    extensions: { persistedQuery: { version: 'x', sha256Hash: 1 } },
  });
  post('extensions a string', { query: '{ __typename }', extensions: 'x' });
  raw('invalid JSON', '{"query": "{ __typename }"', 'application/json');
  raw('empty body', '', 'application/json');
  raw('text/plain body', '{"query":"{ __typename }"}', 'text/plain');
  raw('application/graphql body', '{ __typename }', 'application/graphql');
  raw('urlencoded body', 'query=%7B__typename%7D', 'application/x-www-form-urlencoded');
  raw('no content-type', '{"query":"{ __typename }"}');
  raw(
    'invalid UTF-8 in the query',
    Buffer.concat([
      Buffer.from('{"query":"{ __type(name: \\"'),
      Buffer.from([0xed, 0xa0, 0x80, 0xff]),
      Buffer.from('\\") { name } }"}'),
    ]),
    'application/json',
  );
  get('GET with a mutation', `query=${encodeURIComponent('mutation { logout }')}`);
  get(
    'GET with 20 kB of query',
    `query=${encodeURIComponent(`{ ${'__typename '.repeat(2_000)}}`)}`,
  );
  get(
    'GET with variables not JSON',
    `query=${encodeURIComponent('query Q($x: String) { __typename }')}&variables=%7Bnope`,
  );
  get(
    'GET with a lone surrogate in variables',
    `query=${encodeURIComponent('query Q($x: String) { __type(name: $x) { name } }')}&variables=%7B%22x%22%3A%22%ED%A0%80%22%7D`,
  );
  get('GET without a query', 'variables=%7B%7D');
  get(
    'GET with a repeated query',
    `query=${encodeURIComponent('{ __typename }')}&query=${encodeURIComponent('{ nope }')}`,
  );
  return docs.map(([summary, request], i) => ({ id: `document#${i}`, summary, ...request }));
}
