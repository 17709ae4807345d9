import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's choice for one type; a NULL channel follows the type's default. */
@Entity('notification_preferences')
export class NotificationPreferenceEntity {
  @PrimaryColumn('uuid')
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'boolean', nullable: true })
  inApp!: boolean | null;

  @Column({ type: 'boolean', nullable: true })
  email!: boolean | null;

  @Column({ type: 'boolean', nullable: true })
  realtime!: boolean | null;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
