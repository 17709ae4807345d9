import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { graphqlConfig } from '../../config/graphql.config.js';
import { notificationsConfig } from '../../config/notifications.config.js';
import { AccessRevocationsService } from '../auth/access-revocations.service.js';
import { AccessTokenService } from '../auth/access-token.service.js';
import { GraphiqlPage } from './graphiql-page.js';
import { graphqlErrorFormatter } from './graphql-error.formatter.js';
import { complexityHook, validationRules } from './graphql-limits.js';
import { graphqlMetricsHooks } from './graphql-metrics.hooks.js';
import { GraphqlWsLimits, graphqlSubscriptionOptions } from './graphql-ws.js';

/** No "Did you mean ..." when the schema is not to be discovered (Mercurius' typing lags). */
function hiddenSuggestions(hideSuggestions: boolean) {
  const options: { hideSuggestions: boolean; maxErrors?: number } = { hideSuggestions };
  return options;
}

@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      inject: [
        graphqlConfig.KEY,
        notificationsConfig.KEY,
        AccessTokenService,
        AccessRevocationsService,
      ],
      useFactory: (
        config: ConfigType<typeof graphqlConfig>,
        notifications: ConfigType<typeof notificationsConfig>,
        tokens: AccessTokenService,
        revocations: AccessRevocationsService,
      ) => ({
        path: '/graphql',
        // In memory: `npm run schema` writes the committed SDL and a test keeps it current.
        autoSchemaFile: true,
        sortSchema: true,
        // Mercurius' GraphiQL loads its scripts from a CDN: GraphiqlPage serves a local one.
        graphiql: false,
        queryDepth: config.maxDepth,
        allowBatchedQueries: true,
        // A document seen this often is compiled by graphql-jit (Mercurius caches the parse,
        // validation and the compiled query per document text): the resolvers run without
        // graphql-js's per-field interpretation. 0 keeps graphql-js's executor. The adaptive
        // mode compiles off the request path, and (unlike the numeric `jit`) never skips the
        // validation of the variables of the request that triggers the compilation: a bad
        // variable there would reach the compiled query (an INTERNAL instead of a 400).
        // eluThreshold 1: compile even when the event loop is busy, i.e. under load.
        jit: config.jitAfter > 0 ? { minCount: config.jitAfter, eluThreshold: 1 } : undefined,
        // graphql-ws on the same path; the only subscription is notificationAdded, so its
        // stream settings (keep-alive, init timeout, message size) apply to the socket.
        subscription: graphqlSubscriptionOptions(
          tokens,
          revocations,
          notifications.stream.heartbeatMs,
        ) as MercuriusDriverConfig['subscription'],
        validationRules: validationRules(config),
        graphql: {
          // Parsing stops at the limit, so an oversized document costs little.
          parseOptions: { maxTokens: config.maxTokens },
          validateOptions: hiddenSuggestions(!config.introspection),
        },
        errorFormatter: graphqlErrorFormatter({
          hideSuggestions: !config.introspection,
        }) as MercuriusDriverConfig['errorFormatter'],
        hooks: {
          preExecution: [graphqlMetricsHooks.preExecution, complexityHook(config.maxComplexity)],
          onResolution: graphqlMetricsHooks.onResolution,
        } as MercuriusDriverConfig['hooks'],
      }),
    }),
  ],
  providers: [GraphqlWsLimits, GraphiqlPage],
})
export class AppGraphqlModule {}
