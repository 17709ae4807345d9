import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { createRequire } from 'node:module';
import { isCleanString } from '../http/input-guard.js';
import { graphqlQueryComplexity } from '../observability/metrics.js';

// The CommonJS build shares the graphql instance Mercurius uses (the ESM build loads index.mjs).
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof import('graphql-query-complexity');

const TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** Rejects documents with more aliased fields than allowed (alias-based amplification). */
export function aliasLimitRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(
            new GraphQLError(`Query uses more than ${max} aliases`, {
              extensions: { code: TOO_COMPLEX },
            }),
          );
        }
      },
    };
  };
}

/** Static rules, so Mercurius can keep caching parsed and validated documents. */
/**
 * String literals in a document obey the rule the HTTP input guard applies to variables: no NUL
 * (`"\u0000"` is a valid GraphQL escape, but PostgreSQL refuses it) and no lone surrogate.
 */
export const cleanStringLiteralsRule: ValidationRule = (context: ValidationContext) => ({
  StringValue(node) {
    if (isCleanString(node.value)) return;
    context.reportError(
      new GraphQLError('String values must be well-formed text without NUL characters', {
        nodes: [node],
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    );
  },
});

export function validationRules(limits: { maxAliases: number; introspection: boolean }) {
  const rules: ValidationRule[] = [aliasLimitRule(limits.maxAliases), cleanStringLiteralsRule];
  if (!limits.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

type Cost = (args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables: Record<string, unknown>;
  operationName?: string;
}) => number;

const estimatedCost: Cost = ({ schema, document, variables, operationName }) =>
  getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });

/** Past this, a document's costs start over (every set of variables is a new entry). */
const MAX_COSTS_PER_DOCUMENT = 64;
/** Variables longer than this as JSON are costed every time rather than kept as a key. */
const MAX_COST_KEY_LENGTH = 2048;

/**
 * A document's cost is a function of the document, the operation and the variables (the schema is
 * fixed), and walking the document is the most expensive step Mercurius does not cache: the cost
 * is kept per parsed document (Mercurius' LRU hands back the same DocumentNode for the same
 * query, and a WeakMap lets it go when the LRU does), by operation name and variables.
 */
export function cachedCost(compute: Cost = estimatedCost): Cost {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return (args) => {
    const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variables)}`;
    if (key.length > MAX_COST_KEY_LENGTH) return compute(args);
    let known = costs.get(args.document);
    if (!known) costs.set(args.document, (known = new Map()));
    let cost = known.get(key);
    if (cost === undefined) {
      cost = compute(args);
      if (known.size >= MAX_COSTS_PER_DOCUMENT) known.clear();
      known.set(key, cost);
    }
    return cost;
  };
}

/**
 * Cost needs the request's variables (list sizes), so it is checked just before execution:
 * every field costs 1 unless its `complexity` extension says otherwise.
 */
export function complexityHook(maxComplexity: number, cost: Cost = cachedCost()) {
  return async (
    schema: GraphQLSchema,
    document: DocumentNode,
    context: MercuriusContext,
    variables?: Record<string, unknown>,
  ): Promise<void> => {
    const body = context.reply?.request?.body as { operationName?: string } | undefined;
    const value = cost({
      schema,
      document,
      variables: variables ?? {},
      operationName: body?.operationName,
    });
    graphqlQueryComplexity.observe(value);
    if (value > maxComplexity) {
      throw new mercurius.ErrorWithProps(
        `Query cost ${value} exceeds the maximum of ${maxComplexity}`,
        { code: TOO_COMPLEX },
        400,
      );
    }
  };
}
