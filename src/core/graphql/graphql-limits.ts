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

/**
 * Cost needs the request's variables (list sizes), so it is checked just before execution:
 * every field costs 1 unless its `complexity` extension says otherwise.
 */
export function complexityHook(maxComplexity: number) {
  return async (
    schema: GraphQLSchema,
    document: DocumentNode,
    context: MercuriusContext,
    variables?: Record<string, unknown>,
  ): Promise<void> => {
    const body = context.reply?.request?.body as { operationName?: string } | undefined;
    const cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: body?.operationName,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
    graphqlQueryComplexity.observe(cost);
    if (cost > maxComplexity) {
      throw new mercurius.ErrorWithProps(
        `Query cost ${cost} exceeds the maximum of ${maxComplexity}`,
        { code: TOO_COMPLEX },
        400,
      );
    }
  };
}
