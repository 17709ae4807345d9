import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ActorType = 'user' | 'system' | 'api';
export type AuditStatus = 'success' | 'failure';

/** One row of the append-only `audit_log` (migrations 005, 006, 008). */
@Entity('audit_log')
export class AuditLogEntity {
  /** bigint identity, as a string: ids outgrow 2^53 long before the table does. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 10 })
  actorType!: ActorType;

  @Column({ type: 'varchar', length: 100 })
  action!: string;

  @Column({ type: 'varchar', length: 50, nullable: true })
  entityType!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  entityId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  oldValues!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  newValues!: unknown;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 10 })
  status!: AuditStatus;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;
}
