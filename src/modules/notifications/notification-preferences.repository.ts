import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { NotificationPreferenceEntity } from './notification-preference.entity.js';

export type PreferenceChange = Pick<
  NotificationPreferenceEntity,
  'type' | 'inApp' | 'email' | 'realtime'
>;

/** A user's per-type channel choices; rows exist only for types the user changed. */
@Injectable()
export class NotificationPreferencesRepository {
  constructor(
    @InjectRepository(NotificationPreferenceEntity)
    private readonly preferences: Repository<NotificationPreferenceEntity>,
  ) {}

  listOf(userId: string): Promise<NotificationPreferenceEntity[]> {
    return this.preferences.findBy({ userId });
  }

  getOf(userId: string, type: string): Promise<NotificationPreferenceEntity | null> {
    return this.preferences.findOneBy({ userId, type });
  }

  /** Writes the user's choices for these types (each row whole), in one statement. */
  async save(userId: string, rows: PreferenceChange[]): Promise<void> {
    if (rows.length === 0) return;
    const now = new Date();
    await this.preferences.upsert(
      rows.map((row) => ({ ...row, userId, updatedAt: now })),
      ['userId', 'type'],
    );
  }

  deleteAllOf(userId: string): Promise<unknown> {
    return this.preferences.delete({ userId });
  }
}
