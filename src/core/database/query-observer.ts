import { Logger } from '@nestjs/common';
import type { AfterQueryEvent, EntitySubscriberInterface, Logger as TypeOrmLogger } from 'typeorm';
import { requestContext } from '../http/request-context.js';
import { dbQueryDuration } from '../observability/metrics.js';

const MAX_LOGGED_SQL = 2000;
// String(): a prepared statement (prepared-statement.ts) is an object that prints as its SQL.
const sqlForLog = (query: string): string => {
  const sql = String(query);
  return sql.length > MAX_LOGGED_SQL ? `${sql.slice(0, MAX_LOGGED_SQL)}…` : sql;
};

function statementKind(sql: string): string {
  const word = /^\s*(\w+)/.exec(String(sql))?.[1]?.toLowerCase() ?? 'other';
  return ['select', 'insert', 'update', 'delete', 'with'].includes(word) ? word : 'other';
}

/** TypeORM logger: slow queries at WARN with their duration; parameters are never logged. */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {
    const ctx = requestContext.get();
    if (ctx) ctx.queryCount += 1;
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ duration_ms: time, query: sqlForLog(query) }, 'Slow query');
  }

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.error({ query: sqlForLog(query), db_error: message }, 'Query failed');
  }

  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug?.(String(message));
  }
}

/** Records every query's duration in `db_query_duration_seconds`. */
export class QueryMetricsSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    if (event.executionTime === undefined) return;
    observeQuery(event.query, event.success, event.executionTime);
  }
}

export function observeQuery(query: string, success: boolean, ms: number): void {
  dbQueryDuration.observe({ operation: statementKind(query), success: String(success) }, ms / 1000);
}
