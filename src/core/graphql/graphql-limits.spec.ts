import type { DocumentNode, GraphQLSchema } from 'graphql';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { cachedCost } from './graphql-limits.js';

// The CommonJS graphql, the instance graphql-query-complexity (and Mercurius) use.
const { buildSchema, parse } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

const schema: GraphQLSchema = buildSchema(`
  type Item { id: ID! name: String }
  type Query { items(limit: Int): [Item!]! me: Item }
`);
const doc = (query: string): DocumentNode => parse(query);

describe('cachedCost', () => {
  it('computes once per document, operation and variables', () => {
    const compute = vi.fn(() => 7);
    const cost = cachedCost(compute);
    const a = doc('query A($n: Int) { items(limit: $n) { id } }');
    const b = doc('query A($n: Int) { items(limit: $n) { id } }');
    for (let i = 0; i < 3; i++) {
      expect(cost({ schema, document: a, variables: { n: 1 }, operationName: 'A' })).toBe(7);
    }
    expect(compute).toHaveBeenCalledTimes(1);
    cost({ schema, document: a, variables: { n: 2 }, operationName: 'A' });
    cost({ schema, document: a, variables: { n: 1 } });
    cost({ schema, document: b, variables: { n: 1 }, operationName: 'A' });
    expect(compute).toHaveBeenCalledTimes(4);
  });

  it('does not keep variables too long to be a key, and starts a document over past its cap', () => {
    const compute = vi.fn(() => 1);
    const cost = cachedCost(compute);
    const d = doc('{ me { id } }');
    const long = { text: 'x'.repeat(3000) };
    cost({ schema, document: d, variables: long });
    cost({ schema, document: d, variables: long });
    expect(compute).toHaveBeenCalledTimes(2);
    for (let n = 0; n < 65; n++) cost({ schema, document: d, variables: { n } });
    expect(compute).toHaveBeenCalledTimes(67);
    cost({ schema, document: d, variables: { n: 64 } }); // kept after the reset
    expect(compute).toHaveBeenCalledTimes(67);
  });

  it("gives the estimator's answer (every field costs 1)", () => {
    const cost = cachedCost();
    const d = doc('{ me { id name } items { id } }');
    expect(cost({ schema, document: d, variables: {} })).toBe(5);
    expect(cost({ schema, document: d, variables: {} })).toBe(5);
  });
});
