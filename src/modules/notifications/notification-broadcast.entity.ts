import { Column, Entity, PrimaryColumn } from 'typeorm';

export type BroadcastStatus = 'queued' | 'running' | 'done' | 'failed';

@Entity('notification_broadcasts')
export class NotificationBroadcastEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 2000 })
  body!: string;

  @Column({ type: 'varchar', length: 50, nullable: true })
  role!: string | null;

  @Column({ type: 'varchar', length: 10 })
  status!: BroadcastStatus;

  /** The last user id reached; a retried job resumes after it. */
  @Column({ type: 'uuid', nullable: true })
  cursor!: string | null;

  @Column({ type: 'int' })
  delivered!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  jobId!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
