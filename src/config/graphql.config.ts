import { registerAs } from '@nestjs/config';
import { loadEnv } from './load-env.js';

export const graphqlConfig = registerAs('graphql', () => {
  const env = loadEnv();
  const dev = env.NODE_ENV !== 'production';
  return {
    introspection: env.GRAPHQL_INTROSPECTION ?? dev,
    graphiql: env.GRAPHQL_GRAPHIQL ?? dev,
    maxDepth: env.GRAPHQL_MAX_DEPTH,
    maxComplexity: env.GRAPHQL_MAX_COMPLEXITY,
    maxAliases: env.GRAPHQL_MAX_ALIASES,
    maxBatch: env.GRAPHQL_MAX_BATCH,
    maxDocumentBytes: env.GRAPHQL_MAX_DOCUMENT_BYTES,
    maxTokens: env.GRAPHQL_MAX_TOKENS,
    jitAfter: env.GRAPHQL_JIT_AFTER,
    // The multipart spec's CSRF defence: an upload must carry a header a form cannot send.
    uploadRequirePreflight: env.GRAPHQL_UPLOAD_REQUIRE_PREFLIGHT ?? true,
  };
});
