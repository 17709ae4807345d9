import { Global, Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../../config/database.config.js';
import { resolveDatabaseUrl } from './database-url.js';

/** The resolved connection string (DATABASE_URL or the embedded server), resolved once. */
export const DATABASE_URL = Symbol('DATABASE_URL');

@Global()
@Module({
  providers: [
    {
      provide: DATABASE_URL,
      inject: [databaseConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>) => {
        const logger = new Logger('Database');
        return resolveDatabaseUrl(db, (m) => logger.log(m));
      },
    },
  ],
  exports: [DATABASE_URL],
})
export class DatabaseUrlModule {}
