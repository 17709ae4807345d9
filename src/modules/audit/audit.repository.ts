import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { keysetPage, SqlConditions } from '../../core/database/keyset-page.js';
import { AuditLogEntity } from './audit-log.entity.js';
import type { AuditLogFilter } from './dto/audit.dto.js';

/** The largest exact `totalCount` an audit search reports. */
export const COUNT_CAP = 10_000;

/** One row's 14 values in `audit_log` column order (see INSERT_COLUMNS), already encoded. */
export type EncodedAuditRow = readonly [
  occurredAt: Date,
  actorId: string | null,
  actorType: string,
  action: string,
  entityType: string | null,
  entityId: string | null,
  oldValues: string | null,
  newValues: string | null,
  ip: string | null,
  userAgent: string | null,
  requestId: string | null,
  status: string,
  description: string | null,
  apiKeyId: string | null,
];

const INSERT_COLUMNS = `occurred_at, actor_id, actor_type, action, entity_type, entity_id,
  old_values, new_values, ip, user_agent, request_id, status, description, api_key_id`;
const PLACEHOLDERS = (offset: number): string => {
  const p = (n: number) => `$${offset + n}`;
  return `(${p(1)}::timestamptz, ${p(2)}::uuid, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::jsonb,
           ${p(8)}::jsonb, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)}::uuid)`;
};

/** The columns of an export file, in order; also its CSV header. */
export const EXPORT_COLUMNS = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_type',
  'action',
  'entity_type',
  'entity_id',
  'old_values',
  'new_values',
  'ip',
  'user_agent',
  'request_id',
  'status',
  'description',
] as const;

export type AuditSearchRow = Omit<AuditLogEntity, 'oldValues' | 'newValues'> & {
  oldValues: unknown;
  newValues: unknown;
  sortKey: string;
};
export type AuditExportRow = Record<(typeof EXPORT_COLUMNS)[number], unknown> & { id: string };
/** What a user's GDPR archive holds of their own entries (as actor). */
export type AuditArchiveRow = Pick<
  AuditLogEntity,
  | 'id'
  | 'occurredAt'
  | 'action'
  | 'entityType'
  | 'entityId'
  | 'ip'
  | 'userAgent'
  | 'status'
  | 'description'
>;

/** count(*), not getCount()'s COUNT(DISTINCT id), which the planner cannot shortcut. */
async function count(query: SelectQueryBuilder<AuditLogEntity>): Promise<number> {
  const row = await query.select('count(*)::int', 'n').getRawOne<{ n: number }>();
  return row?.n ?? 0;
}

/** The columns of a search row (see keysetPage, which adds sortKey). */
const SEARCH_COLUMNS = `a.id::text AS "id", a.occurred_at AS "occurredAt", a.actor_id AS "actorId",
  a.actor_type AS "actorType", a.action, a.entity_type AS "entityType", a.entity_id AS "entityId",
  a.old_values AS "oldValues", a.new_values AS "newValues", a.ip, a.user_agent AS "userAgent",
  a.request_id AS "requestId", a.status, a.description`;

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Intention-named queries over `audit_log`: reads through QueryBuilder, batched raw INSERT. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One multi-row INSERT; the caller batches (500 rows, 14 parameters each). */
  async insertMany(rows: readonly EncodedAuditRow[]): Promise<void> {
    const values = rows.map((_, i) => PLACEHOLDERS(i * 14));
    await this.db.query(
      `INSERT INTO audit_log (${INSERT_COLUMNS}) VALUES ${values.join(', ')}`,
      rows.flat(),
    );
  }

  /**
   * Deletes up to `limit` entries older than `days`, in its own short transaction: the only
   * delete the append-only trigger (migration 008) lets through, flagged by `audit.retention`.
   */
  deleteOlderThan(days: number, limit: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('audit.retention', 'on', true)`);
      const [, deleted]: [unknown[], number] = await tx.query(
        `DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE occurred_at < now() - make_interval(days => $1)
           LIMIT $2)`,
        [days, limit],
      );
      return deleted;
    });
  }

  /**
   * `limit + 1` entries matching the filter in (occurred_at, id) order after the keyset, and
   * the matching total, exact up to COUNT_CAP: an exact count over tens of millions of rows
   * costs hundreds of ms (bench/audit-bench.mjs).
   */
  async search(
    filter: AuditLogFilter,
    order: 'ASC' | 'DESC',
    limit: number,
    after?: { key: string; id: string },
  ): Promise<{ rows: AuditSearchRow[]; totalCount: number }> {
    const { rows, total } = await keysetPage<AuditSearchRow>(
      this.db.manager,
      {
        columns: SEARCH_COLUMNS,
        from: 'audit_log a',
        where: this.conditions(filter),
        sortColumn: 'a.occurred_at',
        idColumn: 'a.id',
        idType: 'bigint',
        direction: order,
        countCap: COUNT_CAP,
      },
      limit,
      after,
    );
    return { rows, totalCount: total };
  }

  /** How many entries of `action` fall in each `interval` bucket of [from, to) (stats). */
  countsByBucket(
    action: string,
    from: Date,
    to: Date,
    interval: string,
  ): Promise<Array<{ bucket: Date; count: string }>> {
    return this.db.query(
      `SELECT date_trunc($4, occurred_at, 'UTC') AS bucket, count(*) AS count
       FROM audit_log WHERE action = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1`,
      [action, from, to, interval],
    );
  }

  /** Every entry matching the filter (the progress of an export). */
  async countMatching(filter: AuditLogFilter): Promise<number> {
    const where = this.conditions(filter);
    const rows: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM audit_log a WHERE ${where.sql}`,
      where.params,
    );
    return rows[0]?.n ?? 0;
  }

  /** Up to `limit` entries matching the filter with ids above `afterId`, in id order. */
  exportBatch(filter: AuditLogFilter, afterId: string, limit: number): Promise<AuditExportRow[]> {
    const columns = EXPORT_COLUMNS.slice(1).map((c) => `a.${c} AS "${c}"`);
    const where = this.conditions(filter).add('a.id > ?::bigint', afterId);
    // Ordered by the bigint column, not the text alias `id` (which sorts '10000' before '9999').
    return this.db.query(
      `SELECT a.id::text AS "id", ${columns.join(', ')} FROM audit_log a
       WHERE ${where.sql} ORDER BY a.id ASC LIMIT ${Math.trunc(limit)}`,
      where.params,
    );
  }

  /** Up to `limit` of an actor's own entries with ids above `afterId`, in id order. */
  archiveBatch(actorId: string, afterId: string, limit: number): Promise<AuditArchiveRow[]> {
    return this.entries()
      .select([
        'a.id::text AS "id"',
        'a.occurredAt AS "occurredAt"',
        'a.action AS "action"',
        'a.entityType AS "entityType"',
        'a.entityId AS "entityId"',
        'a.ip AS "ip"',
        'a.userAgent AS "userAgent"',
        'a.status AS "status"',
        'a.description AS "description"',
      ])
      .where('a.actorId = :actorId', { actorId })
      .andWhere('a.id > CAST(:afterId AS bigint)', { afterId })
      .orderBy('a.id', 'ASC')
      .limit(limit)
      .getRawMany<AuditArchiveRow>();
  }

  /** How many entries about this user there are, by action. */
  actionCountsAbout(userId: string): Promise<Array<{ action: string; count: number }>> {
    return this.aboutUser(userId)
      .select('a.action', 'action')
      .addSelect('count(*)::int', 'count')
      .groupBy('a.action')
      .orderBy('a.action')
      .getRawMany();
  }

  /** This user's latest successful sign-in. */
  async lastLoginOf(userId: string): Promise<{ occurredAt: Date; ip: string | null } | undefined> {
    return this.aboutUser(userId)
      .select('a.occurredAt', 'occurredAt')
      .addSelect('a.ip', 'ip')
      .andWhere("a.action = 'auth.login.succeeded'")
      .orderBy('a.occurredAt', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(1)
      .getRawOne();
  }

  /** Failed sign-ins for this email (any case) in the last 24 hours. */
  failedLoginsLastDay(email: string): Promise<number> {
    return count(
      this.entries()
        .where("a.action = 'auth.login.failed'")
        .andWhere("a.occurredAt > now() - interval '24 hours'")
        .andWhere("lower(a.new_values->>'email') = lower(:email)", { email }),
    );
  }

  private entries(): SelectQueryBuilder<AuditLogEntity> {
    return this.db.getRepository(AuditLogEntity).createQueryBuilder('a');
  }

  private aboutUser(userId: string): SelectQueryBuilder<AuditLogEntity> {
    return this.entries()
      .where("a.entityType = 'user'")
      .andWhere('a.entityId = :userId', { userId });
  }

  /** The one definition of what a filter matches (search, its total, exports). */
  private conditions(filter: AuditLogFilter): SqlConditions {
    const where = new SqlConditions();
    if (filter.actorId) where.add('a.actor_id = ?', filter.actorId);
    if (filter.action) where.add('a.action LIKE ?', `${escapeLike(filter.action)}%`);
    if (filter.entityType) where.add('a.entity_type = ?', filter.entityType);
    if (filter.entityId) where.add('a.entity_id = ?', filter.entityId);
    if (filter.status) where.add('a.status = ?', filter.status);
    if (filter.from) where.add('a.occurred_at >= ?::timestamptz', filter.from);
    if (filter.to) where.add('a.occurred_at < ?::timestamptz', filter.to);
    if (filter.q) where.add(`a.description ILIKE ? ESCAPE '\\'`, `%${escapeLike(filter.q)}%`);
    return where;
  }
}
