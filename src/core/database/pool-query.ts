import { type EntityManager, QueryFailedError } from 'typeorm';
import { observeQuery } from './query-observer.js';

interface PgPool {
  query(query: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A read straight on `pg`'s pool, for the hottest queries: TypeORM's `query()` creates, connects
 * and releases a query runner and broadcasts to subscribers on every call. The same observers
 * still see it (query count, `db_query_duration_seconds`, slow-query and error logs) and errors
 * are still `QueryFailedError`s. Inside a transaction the manager's own runner is used.
 */
export async function poolQuery<T>(
  manager: EntityManager,
  query: string,
  parameters: unknown[],
): Promise<T[]> {
  const dataSource = manager.connection;
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  if (manager.queryRunner || !pool) return manager.query(query, parameters);
  const { logger } = dataSource;
  logger.logQuery(query, parameters);
  const started = Date.now();
  let rows: unknown[];
  try {
    ({ rows } = await pool.query(query, parameters));
  } catch (error) {
    logger.logQueryError(error as Error, query, parameters);
    throw new QueryFailedError(query, parameters, error as Error);
  }
  const time = Date.now() - started;
  observeQuery(query, true, time);
  const slowMs = dataSource.options.maxQueryExecutionTime;
  if (slowMs && time > slowMs) logger.logQuerySlow(time, query, parameters);
  return rows as T[];
}
