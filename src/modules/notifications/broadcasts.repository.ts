import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { ChannelFlags } from './notification-channels.js';
import {
  NotificationBroadcastEntity,
  type BroadcastStatus,
} from './notification-broadcast.entity.js';

export type NewBroadcast = Pick<
  NotificationBroadcastEntity,
  'id' | 'createdBy' | 'title' | 'body' | 'role'
>;

export interface WrittenRow {
  id: string;
  userId: string;
  type: string;
  inApp: boolean;
  email: boolean;
}

/** Admin broadcasts and their fan-out: each batch of users written and the position saved together. */
@Injectable()
export class BroadcastsRepository {
  constructor(
    @InjectRepository(NotificationBroadcastEntity)
    private readonly broadcasts: Repository<NotificationBroadcastEntity>,
  ) {}

  async create(broadcast: NewBroadcast): Promise<NotificationBroadcastEntity> {
    await this.broadcasts.insert({ ...broadcast, status: 'queued', delivered: 0 });
    return (await this.get(broadcast.id))!;
  }

  get(id: string): Promise<NotificationBroadcastEntity | null> {
    return this.broadcasts.findOneBy({ id });
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.broadcasts.update({ id }, { jobId });
  }

  async setStatus(id: string, status: BroadcastStatus): Promise<void> {
    await this.broadcasts.update(
      { id },
      { status, ...(status === 'done' || status === 'failed' ? { finishedAt: new Date() } : {}) },
    );
  }

  /**
   * One batch of the fan-out, in one transaction: a row per user (INSERT … SELECT over the ids,
   * channels from each user's preferences), then the broadcast's cursor moved past the batch.
   * A user who has the broadcast already is skipped, so a retried batch writes nothing twice.
   * Returns the rows written.
   */
  writeBatch(
    broadcast: NotificationBroadcastEntity,
    type: string,
    userIds: string[],
    defaults: ChannelFlags,
    critical: boolean,
  ): Promise<WrittenRow[]> {
    return this.broadcasts.manager.transaction(async (tx) => {
      const channel = (column: string, fallback: boolean): string =>
        critical && fallback ? 'true' : `COALESCE(p.${column}, ${fallback ? 'true' : 'false'})`;
      const inserted: Array<{ id: string; user_id: string; in_app: boolean; email: boolean }> =
        await tx.query(
          `INSERT INTO notifications
           (id, user_id, type, level, title, body, data, broadcast_id, in_app, email, realtime)
         SELECT gen_random_uuid(), u.id, $2, 'info', $3, $4, '{}', $1,
                ${channel('in_app', defaults.in_app)}, ${channel('email', defaults.email)},
                ${channel('realtime', defaults.realtime)}
         FROM unnest($5::uuid[]) AS u(id)
         LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.type = $2
         ON CONFLICT DO NOTHING
         RETURNING id, user_id, in_app, email`,
          [broadcast.id, type, broadcast.title, broadcast.body, userIds],
        );
      await tx.query(
        `UPDATE notification_broadcasts
         SET cursor = $2, delivered = delivered + $3, status = 'running' WHERE id = $1`,
        [broadcast.id, userIds[userIds.length - 1], inserted.length],
      );
      return inserted.map((row) => ({
        id: row.id,
        userId: row.user_id,
        type,
        inApp: row.in_app,
        email: row.email,
      }));
    });
  }
}
