import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { appConfig } from '../../config/app.config.js';
import { databaseConfig } from '../../config/database.config.js';
import { buildDataSourceOptions } from './data-source.options.js';
import { DatabaseObserver } from './database.observer.js';
import { DATABASE_URL, DatabaseUrlModule } from './database-url.provider.js';
import { PgListener } from './pg-listener.js';
import { DatabaseLogger } from './query-observer.js';
import { DATABASE_START_RETRY } from './start-retry.js';

@Module({
  imports: [
    DatabaseUrlModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseUrlModule],
      inject: [databaseConfig.KEY, appConfig.KEY, DATABASE_URL],
      useFactory: (
        db: ConfigType<typeof databaseConfig>,
        app: ConfigType<typeof appConfig>,
        url: string,
      ) => {
        return {
          ...buildDataSourceOptions(db, url, `${app.name}:${app.role}`),
          logger: new DatabaseLogger(),
          migrationsRun: db.migrateOnStart,
          autoLoadEntities: true,
          retryAttempts: DATABASE_START_RETRY.attempts,
          retryDelay: DATABASE_START_RETRY.delayMs,
        };
      },
    }),
  ],
  providers: [DatabaseObserver, PgListener],
  exports: [DatabaseObserver, PgListener],
})
export class DatabaseModule {}
