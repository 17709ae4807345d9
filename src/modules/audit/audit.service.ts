import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';
import { AppException } from '../../core/errors/app.exception.js';
import { DEFAULT_PAGE_LIMIT } from '../../core/pagination/page.args.js';
import { type Page, toPage } from '../../core/pagination/page.js';
import { containsPattern } from '../auth/admin/admin-users.repository.js';
import {
  AUDIT_SORTS,
  DEFAULT_AUDIT_SORT,
  decodeAuditCursor,
  encodeAuditCursor,
  isAuditSort,
} from './audit-cursor.js';
import type { AuditLogDto, AuditLogFilter, AuditValues, UserActivityDto } from './dto/audit.dto.js';

const KEY = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const invalidSort = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'sort', message: `sort must be one of ${AUDIT_SORTS.join(', ')}` }],
  });

/** The WHERE conditions for a filter; `param` adds a bind parameter and returns its placeholder. */
export function filterConditions(
  filter: AuditLogFilter,
  param: (value: unknown) => string,
): string[] {
  const where: string[] = ['TRUE'];
  if (filter.actorId) where.push(`actor_id = ${param(filter.actorId)}::uuid`);
  if (filter.action) {
    where.push(`action LIKE ${param(`${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  }
  if (filter.entityType) where.push(`entity_type = ${param(filter.entityType)}`);
  if (filter.entityId) where.push(`entity_id = ${param(filter.entityId)}`);
  if (filter.status) where.push(`status = ${param(filter.status)}`);
  if (filter.from) where.push(`occurred_at >= ${param(filter.from)}::timestamptz`);
  if (filter.to) where.push(`occurred_at < ${param(filter.to)}::timestamptz`);
  if (filter.q) where.push(`description ILIKE ${param(containsPattern(filter.q))} ESCAPE '\\'`);
  return where;
}

/** The largest exact `totalCount` an audit search reports. */
export const COUNT_CAP = 10_000;

/** Audit log queries: newest (or oldest) first, keyset on (occurred_at, id). */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async search(
    filter: AuditLogFilter,
    page: { limit?: number; cursor?: string },
    sort: string = DEFAULT_AUDIT_SORT,
  ): Promise<Page<AuditLogDto>> {
    if (!isAuditSort(sort)) throw invalidSort();
    const desc = sort.startsWith('-');
    const dir = desc ? 'DESC' : 'ASC';
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor ? decodeAuditCursor(page.cursor, sort) : undefined;
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = filterConditions(filter, param);
    const filterSql = where.join(' AND ');
    const filterParams = [...params];
    if (after) {
      where.push(
        `(occurred_at, id) ${desc ? '<' : '>'} (${param(after.key)}::timestamptz, ${param(after.id)}::bigint)`,
      );
    }
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT a.*, a.id::text AS id_text, ${KEY} AS sort_key FROM audit_log a
       WHERE ${where.join(' AND ')} ORDER BY a.occurred_at ${dir}, a.id ${dir} LIMIT ${param(limit + 1)}`,
      params,
    );
    // An exact count over tens of millions of rows costs hundreds of ms (bench/audit-bench.mjs);
    // totals are exact up to COUNT_CAP and reported as COUNT_CAP beyond it.
    const [{ n }]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_log WHERE ${filterSql} LIMIT ${COUNT_CAP}) capped`,
      filterParams,
    );
    return toPage(rows, limit, n, toDto, (row) =>
      encodeAuditCursor(sort, row.sort_key as string, row.id_text as string),
    );
  }

  async activity(userId: string): Promise<UserActivityDto> {
    const users: Array<{ email: string }> = isUUID(userId)
      ? await this.db.query('SELECT email::text AS email FROM users WHERE id = $1', [userId])
      : [];
    if (!users[0]) throw new AppException('NOT_FOUND', 'No such user');
    const counts: Array<{ action: string; count: number }> = await this.db.query(
      `SELECT action, count(*)::int AS count FROM audit_log
       WHERE entity_type = 'user' AND entity_id = $1 GROUP BY action ORDER BY action`,
      [userId],
    );
    const logins: Array<{ occurred_at: Date; ip: string | null }> = await this.db.query(
      `SELECT occurred_at, ip FROM audit_log
       WHERE entity_type = 'user' AND entity_id = $1 AND action = 'auth.login.succeeded'
       ORDER BY occurred_at DESC, id DESC LIMIT 1`,
      [userId],
    );
    const [{ n }]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'auth.login.failed' AND occurred_at > now() - interval '24 hours'
         AND lower(new_values->>'email') = lower($1)`,
      [users[0].email],
    );
    return {
      countsByAction: counts,
      lastLoginAt: logins[0]?.occurred_at ?? null,
      lastLoginIp: logins[0]?.ip ?? null,
      failedLoginsLast24h: n,
    };
  }
}

function toDto(row: Record<string, unknown>): AuditLogDto {
  return {
    id: row.id_text as string,
    occurredAt: row.occurred_at as Date,
    actorId: row.actor_id as string | null,
    actorType: row.actor_type as string,
    action: row.action as string,
    entityType: row.entity_type as string | null,
    entityId: row.entity_id as string | null,
    oldValues: (row.old_values as AuditValues | null) ?? null,
    newValues: (row.new_values as AuditValues | null) ?? null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    requestId: row.request_id as string | null,
    status: row.status as string,
    description: row.description as string | null,
  };
}
