import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type KeysetRow, keysetPage, SqlConditions } from '../../core/database/keyset-page.js';
import type { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { NotificationEntity } from './notification.entity.js';

export type NewNotification = Omit<NotificationEntity, 'emailedAt' | 'readAt' | 'createdAt'>;

export interface NotificationFilter {
  unread?: boolean;
  type?: string;
}

/** A keyset position with the microseconds PostgreSQL keeps (a millisecond key could skip rows). */
export interface NotificationKeyset {
  createdAt: string;
  id: string;
}

// The sort key as PostgreSQL holds it, to the microsecond.
const CURSOR_KEY = `to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A listed notification under its NotificationEntity names (see keysetPage). */
const NOTIFICATION_COLUMNS = `n.id, n.user_id AS "userId", n.type, n.level, n.title, n.body, n.data,
  n.entity_type AS "entityType", n.entity_id AS "entityId", n.dedupe_key AS "dedupeKey",
  n.broadcast_id AS "broadcastId", n.in_app AS "inApp", n.email, n.realtime,
  n.emailed_at AS "emailedAt", n.read_at AS "readAt", n.created_at AS "createdAt"`;

/** Intention-named queries over `notifications`; a user only ever reaches their own rows. */
@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(NotificationEntity)
    private readonly notifications: Repository<NotificationEntity>,
  ) {}

  /**
   * Stores the drafts in one statement; a draft whose dedupe key the user already has is
   * skipped. Returns the rows written, committed when the promise resolves.
   */
  async insertMany(rows: NewNotification[]): Promise<NotificationEntity[]> {
    if (rows.length === 0) return [];
    const result = await this.notifications
      .createQueryBuilder()
      .insert()
      .into(NotificationEntity)
      .values(rows as QueryDeepPartialEntity<NotificationEntity>[])
      .orIgnore()
      .returning('*')
      .execute();
    const raw = result.raw as Array<Record<string, unknown>>;
    return raw.map((row) => this.notifications.create(this.fromRaw(row)));
  }

  /** A page of the user's in-app notifications, newest first, with the total for the filter. */
  async listForUser(
    userId: string,
    filter: NotificationFilter,
    limit: number,
    after?: { key: string; id: string },
  ): Promise<{ rows: NotificationRow[]; total: number }> {
    const { rows, total } = await keysetPage<NotificationEntity>(
      this.notifications.manager,
      {
        columns: NOTIFICATION_COLUMNS,
        from: 'notifications n',
        where: this.conditions(userId, filter),
        sortColumn: 'n.created_at',
        idColumn: 'n.id',
        idType: 'uuid',
        direction: 'DESC',
      },
      limit,
      after,
    );
    return { rows, total };
  }

  /** Notifications sent per channel in each `interval` bucket of [from, to) (stats). */
  sentByBucket(
    from: Date,
    to: Date,
    interval: string,
  ): Promise<Array<{ bucket: Date; in_app: string; email: string; realtime: string }>> {
    return this.notifications.query(
      `SELECT date_trunc($3, created_at, 'UTC') AS bucket,
         count(*) FILTER (WHERE in_app) AS in_app,
         count(*) FILTER (WHERE email AND emailed_at IS NOT NULL) AS email,
         count(*) FILTER (WHERE realtime) AS realtime
       FROM notifications WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
  }

  /** Notifications read in each `interval` bucket of [from, to) (stats). */
  readByBucket(
    from: Date,
    to: Date,
    interval: string,
  ): Promise<Array<{ bucket: Date; count: string }>> {
    return this.notifications.query(
      `SELECT date_trunc($3, read_at, 'UTC') AS bucket, count(*) AS count
       FROM notifications WHERE read_at >= $1 AND read_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
  }

  async unreadCount(userId: string): Promise<number> {
    const where = this.conditions(userId, { unread: true });
    const rows: Array<{ n: number }> = await this.notifications.query(
      `SELECT count(*)::int AS n FROM notifications n WHERE ${where.sql}`,
      where.params,
    );
    return rows[0]?.n ?? 0;
  }

  getForUser(userId: string, id: string): Promise<NotificationEntity | null> {
    return this.notifications.findOneBy({ id, userId, inApp: true });
  }

  /** Marks one read (idempotent); null when the user has no such notification. */
  async markRead(userId: string, id: string): Promise<NotificationEntity | null> {
    await this.notifications
      .createQueryBuilder()
      .update()
      .set({ readAt: () => 'now()' })
      .where('id = :id AND user_id = :userId AND in_app AND read_at IS NULL', { id, userId })
      .execute();
    return this.getForUser(userId, id);
  }

  async markAllRead(userId: string): Promise<number> {
    const { affected } = await this.notifications
      .createQueryBuilder()
      .update()
      .set({ readAt: () => 'now()' })
      .where('user_id = :userId AND in_app AND read_at IS NULL', { userId })
      .execute();
    return affected ?? 0;
  }

  async deleteForUser(userId: string, id: string): Promise<boolean> {
    const { affected } = await this.notifications.delete({ id, userId, inApp: true });
    return affected === 1;
  }

  /** Every notification of a user (account anonymised). */
  async deleteAllOf(userId: string): Promise<number> {
    const { affected } = await this.notifications.delete({ userId });
    return affected ?? 0;
  }

  /** Rows to push in real time, by id (what the cross-instance bus carries). */
  getRealtimeByIds(ids: string[]): Promise<NotificationEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.notifications
      .createQueryBuilder('n')
      .where('n.id IN (:...ids) AND n.realtime', { ids })
      .orderBy('n.created_at', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .getMany();
  }

  /** One broadcast's rows for the users connected to this instance: one query per batch. */
  getRealtimeOfBroadcast(broadcastId: string, userIds: string[]): Promise<NotificationEntity[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.notifications
      .createQueryBuilder('n')
      .where('n.broadcast_id = :broadcastId AND n.realtime', { broadcastId })
      .andWhere('n.user_id = ANY(CAST(:userIds AS uuid[]))', { userIds })
      .getMany();
  }

  /**
   * What a stream missed: the user's real-time notifications after `lastId`, oldest first, at
   * most `limit + 1` (so the caller sees that more were missed). null when `lastId` is not one
   * of the user's notifications (deleted, expired, or never theirs).
   */
  async realtimeAfter(
    userId: string,
    lastId: string,
    limit: number,
    type?: string,
  ): Promise<NotificationEntity[] | null> {
    const anchor = await this.notifications.findOne({
      select: { id: true },
      where: { id: lastId, userId },
    });
    if (!anchor) return null;
    const query = this.notifications
      .createQueryBuilder('n')
      .where('n.user_id = :userId AND n.realtime', { userId })
      .andWhere(
        '(n.created_at, n.id) > ((SELECT created_at FROM notifications WHERE id = :lastId), CAST(:lastId AS uuid))',
        { lastId },
      )
      .orderBy('n.created_at', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .limit(limit + 1);
    if (type) query.andWhere('n.type = :type', { type });
    return query.getMany();
  }

  /**
   * Runs `send` with the user's unsent email notifications of one type, claimed in a
   * transaction: if `send` throws, they stay unsent for the job's next attempt.
   */
  claimPendingEmail<T>(
    userId: string,
    type: string,
    send: (rows: NotificationEntity[]) => Promise<T>,
  ): Promise<T> {
    return this.notifications.manager.transaction(async (tx: EntityManager) => {
      const rows = await tx
        .createQueryBuilder(NotificationEntity, 'n')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('n.user_id = :userId AND n.type = :type', { userId, type })
        .andWhere('n.email AND n.emailed_at IS NULL')
        .orderBy('n.created_at', 'ASC')
        .getMany();
      const result = await send(rows);
      if (rows.length > 0) {
        await tx.update(
          NotificationEntity,
          rows.map((r) => r.id),
          { emailedAt: () => 'now()' },
        );
      }
      return result;
    });
  }

  /** Retention: read ones older than `readBefore`, any older than `before`, a batch at a time. */
  async purgeBatch(readBefore: Date, before: Date, batch: number): Promise<number> {
    const [rows]: [unknown[], number] = await this.notifications.query(
      `DELETE FROM notifications WHERE id IN (
         SELECT id FROM notifications
         WHERE created_at < $2 OR (read_at IS NOT NULL AND created_at < $1)
         LIMIT $3)
       RETURNING 1`,
      [readBefore, before, batch],
    );
    return rows.length;
  }

  /** A batch of the user's notifications for their GDPR archive, newest first. */
  exportBatch(
    userId: string,
    limit: number,
    after?: NotificationKeyset,
  ): Promise<NotificationRow[]> {
    const query = this.notifications
      .createQueryBuilder('n')
      .select('n')
      .addSelect(CURSOR_KEY, 'cursor_key')
      .where('n.user_id = :userId', { userId })
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .limit(limit);
    if (after) {
      query.andWhere(
        '(n.created_at, n.id) < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))',
        {
          createdAt: after.createdAt,
          id: after.id,
        },
      );
    }
    return query
      .getRawAndEntities<{ cursor_key: string }>()
      .then(({ entities, raw }) =>
        entities.map((entity, i) => Object.assign(entity, { sortKey: raw[i].cursor_key })),
      );
  }

  /** What a list filter matches: the user's own in-app rows, read or not, of a type. */
  private conditions(userId: string, filter: NotificationFilter): SqlConditions {
    const where = new SqlConditions().add('n.user_id = ? AND n.in_app', userId);
    if (filter.unread === true) where.add('n.read_at IS NULL');
    if (filter.unread === false) where.add('n.read_at IS NOT NULL');
    if (filter.type) where.add('n.type = ?', filter.type);
    return where;
  }

  private fromRaw(row: Record<string, unknown>): Partial<NotificationEntity> {
    return {
      id: row.id as string,
      userId: row.user_id as string,
      type: row.type as string,
      level: row.level as NotificationEntity['level'],
      title: row.title as string,
      body: row.body as string,
      data: row.data as Record<string, unknown>,
      entityType: row.entity_type as string | null,
      entityId: row.entity_id as string | null,
      dedupeKey: row.dedupe_key as string | null,
      broadcastId: row.broadcast_id as string | null,
      inApp: row.in_app as boolean,
      email: row.email as boolean,
      realtime: row.realtime as boolean,
      emailedAt: row.emailed_at as Date | null,
      readAt: row.read_at as Date | null,
      createdAt: row.created_at as Date,
    };
  }
}

export type NotificationRow = KeysetRow<NotificationEntity>;
