import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';
import { AppException } from '../../core/errors/app.exception.js';
import { DEFAULT_PAGE_LIMIT } from '../../core/pagination/page.args.js';
import { type Page, toPage } from '../../core/pagination/page.js';
import { containsPattern } from '../auth/admin/admin-users.repository.js';
import type { AuditLogDto, AuditLogFilter, UserActivityDto } from './dto/audit.dto.js';

const KEY = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const invalidCursor = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'cursor', message: 'cursor is not valid' }],
  });

function encode(key: string, id: string): string {
  return Buffer.from(JSON.stringify(['audit', key, id])).toString('base64url');
}

function decode(cursor: string): { key: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== 'audit' ||
    typeof parsed[1] !== 'string' ||
    !TIMESTAMP.test(parsed[1]) ||
    typeof parsed[2] !== 'string' ||
    !/^\d{1,19}$/.test(parsed[2])
  ) {
    throw invalidCursor();
  }
  return { key: parsed[1], id: parsed[2] };
}

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

/** Audit log queries: newest first, keyset on (occurred_at, id). */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async search(
    filter: AuditLogFilter,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<AuditLogDto>> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor ? decode(page.cursor) : undefined;
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where = filterConditions(filter, param);
    const filterSql = where.join(' AND ');
    const filterParams = [...params];
    if (after) {
      where.push(
        `(occurred_at, id) < (${param(after.key)}::timestamptz, ${param(after.id)}::bigint)`,
      );
    }
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT a.*, a.id::text AS id_text, ${KEY} AS sort_key FROM audit_log a
       WHERE ${where.join(' AND ')} ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    // An exact count over tens of millions of rows costs hundreds of ms (bench/audit-bench.mjs);
    // totals are exact up to COUNT_CAP and reported as COUNT_CAP beyond it.
    const [{ n }]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_log WHERE ${filterSql} LIMIT ${COUNT_CAP}) capped`,
      filterParams,
    );
    return toPage(rows, limit, n, toDto, (row) =>
      encode(row.sort_key as string, row.id_text as string),
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
  const json = (v: unknown): string | null =>
    v === null || v === undefined ? null : JSON.stringify(v);
  return {
    id: row.id_text as string,
    occurredAt: row.occurred_at as Date,
    actorId: row.actor_id as string | null,
    actorType: row.actor_type as string,
    action: row.action as string,
    entityType: row.entity_type as string | null,
    entityId: row.entity_id as string | null,
    oldValues: json(row.old_values),
    newValues: json(row.new_values),
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    requestId: row.request_id as string | null,
    status: row.status as string,
    description: row.description as string | null,
  };
}
