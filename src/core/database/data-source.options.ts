import type { DataSourceOptions } from 'typeorm';
import type { ConfigType } from '@nestjs/config';
import type { databaseConfig } from '../../config/database.config.js';
import { migrations } from '../../../migrations/index.js';
import { SafePgClient } from './safe-pg-client.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/** One definition of the connection, shared by the app and the CLI. */
export function buildDataSourceOptions(
  config: ConfigType<typeof databaseConfig>,
  url: string,
  applicationName: string,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    maxQueryExecutionTime: config.slowQueryMs,
    poolSize: config.poolSize,
    applicationName,
    extra: {
      Client: SafePgClient,
      max: config.poolSize,
      statement_timeout: config.statementTimeoutMs || undefined,
      connectionTimeoutMillis: 5000,
    },
  };
}
