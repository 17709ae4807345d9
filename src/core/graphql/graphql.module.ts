import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { join } from 'node:path';
import { appConfig } from '../../config/app.config.js';
import { graphqlConfig } from '../../config/graphql.config.js';
import { formatGraphqlErrors } from './graphql-error.formatter.js';
import { complexityHook, validationRules } from './graphql-limits.js';
import { graphqlMetricsHooks } from './graphql-metrics.hooks.js';

export const SCHEMA_FILE = join(process.cwd(), 'schema.graphql');

@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      inject: [graphqlConfig.KEY, appConfig.KEY],
      useFactory: (
        config: ConfigType<typeof graphqlConfig>,
        app: ConfigType<typeof appConfig>,
      ) => ({
        path: '/graphql',
        // Development refreshes the committed SDL; tests compare against it instead.
        autoSchemaFile: app.env === 'development' ? SCHEMA_FILE : true,
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
