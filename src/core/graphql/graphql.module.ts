import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { graphqlConfig } from '../../config/graphql.config.js';
import { formatGraphqlErrors } from './graphql-error.formatter.js';
import { complexityHook, validationRules } from './graphql-limits.js';
import { graphqlMetricsHooks } from './graphql-metrics.hooks.js';

@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      inject: [graphqlConfig.KEY],
      useFactory: (config: ConfigType<typeof graphqlConfig>) => ({
        path: '/graphql',
        // In memory: `npm run schema` writes the committed SDL and a test keeps it current.
        autoSchemaFile: true,
        sortSchema: true,
        graphiql: config.graphiql,
        queryDepth: config.maxDepth,
        allowBatchedQueries: true,
        validationRules: validationRules(config),
        errorFormatter: formatGraphqlErrors as MercuriusDriverConfig['errorFormatter'],
        hooks: {
          preExecution: [graphqlMetricsHooks.preExecution, complexityHook(config.maxComplexity)],
          onResolution: graphqlMetricsHooks.onResolution,
        } as MercuriusDriverConfig['hooks'],
      }),
    }),
  ],
})
export class AppGraphqlModule {}
