import { Injectable } from '@nestjs/common';
import { AppException } from '../../core/errors/app.exception.js';
import {
  decodeCursor,
  encodeCursor,
  isBigintId,
  isTimestampKey,
} from '../../core/pagination/cursor.js';
import { DEFAULT_PAGE_LIMIT } from '../../core/pagination/page.args.js';
import { type Page, toPage } from '../../core/pagination/page.js';
import { AdminUsersService } from '../auth/admin/admin-users.service.js';
import { AUDIT_SORTS, type AuditSort, DEFAULT_AUDIT_SORT, isAuditSort } from './audit-sorts.js';
import { AuditRepository, type AuditSearchRow } from './audit.repository.js';
import type {
  AuditActorDto,
  AuditLogDto,
  AuditLogFilter,
  AuditValues,
  UserActivityDto,
} from './dto/audit.dto.js';

const invalidSort = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'sort', message: `sort must be one of ${AUDIT_SORTS.join(', ')}` }],
  });

// Cursors are bound to the audit log and its sort: occurred_at to the microsecond, bigint ids.
const cursorSort = (sort: AuditSort) => `audit:${sort}`;

/** Audit log queries: newest (or oldest) first, keyset on (occurred_at, id). */
@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly users: AdminUsersService,
  ) {}

  async search(
    filter: AuditLogFilter,
    page: { limit?: number; cursor?: string },
    sort: string = DEFAULT_AUDIT_SORT,
    expand?: 'actor',
  ): Promise<Page<AuditLogDto>> {
    if (!isAuditSort(sort)) throw invalidSort();
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor
      ? decodeCursor(page.cursor, cursorSort(sort), isTimestampKey, isBigintId)
      : undefined;
    const order = sort.startsWith('-') ? 'DESC' : 'ASC';
    const { rows, totalCount } = await this.repo.search(filter, order, limit, after);
    const result = toPage(rows, limit, totalCount, toDto, (row) =>
      encodeCursor({ sort: cursorSort(sort), key: row.sortKey, id: row.id }),
    );
    if (expand === 'actor') {
      const actors = await this.actorsOf(result.items.map((entry) => entry.actorId ?? ''));
      result.items.forEach((entry, i) => (entry.actor = entry.actorId ? actors[i] : null));
    }
    return result;
  }

  /** The actors behind these ids, in order (null for none): one query for a whole page. */
  actorsOf(ids: readonly string[]): Promise<Array<AuditActorDto | null>> {
    return this.users.summaries(ids);
  }

  async activity(userId: string): Promise<UserActivityDto> {
    const email = await this.users.emailOf(userId);
    const [countsByAction, lastLogin, failedLoginsLast24h] = await Promise.all([
      this.repo.actionCountsAbout(userId),
      this.repo.lastLoginOf(userId),
      this.repo.failedLoginsLastDay(email),
    ]);
    return {
      countsByAction,
      lastLoginAt: lastLogin?.occurredAt ?? null,
      lastLoginIp: lastLogin?.ip ?? null,
      failedLoginsLast24h,
    };
  }
}

// Property by property, not `{ ...row, oldValues }` without the sort key: a rest or spread copy
// of a pg row with extra properties costs ~1-2 µs per row (bench/list-rows.mjs).
function toDto(row: AuditSearchRow): AuditLogDto {
  return {
    id: row.id,
    occurredAt: row.occurredAt,
    actorId: row.actorId,
    actorType: row.actorType,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    oldValues: (row.oldValues as AuditValues | null) ?? null,
    newValues: (row.newValues as AuditValues | null) ?? null,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    status: row.status,
    description: row.description,
  };
}
