import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationLevel } from '../../core/notifications/notification-types.js';

@Entity('notifications')
export class NotificationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 10 })
  level!: NotificationLevel;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 2000 })
  body!: string;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 64, nullable: true })
  entityType!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  entityId!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  dedupeKey!: string | null;

  @Column({ type: 'uuid', nullable: true })
  broadcastId!: string | null;

  @Column({ type: 'boolean' })
  inApp!: boolean;

  @Column({ type: 'boolean' })
  email!: boolean;

  @Column({ type: 'boolean' })
  realtime!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  emailedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  readAt!: Date | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
