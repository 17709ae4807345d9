import { Column, Entity, PrimaryColumn } from 'typeorm';

export type WebhookEventStatus = 'received' | 'processed' | 'failed';

@Entity('webhook_events')
export class WebhookEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 63 })
  source!: string;

  /** The sender's webhook-id: unique per source, the idempotency key. */
  @Column({ type: 'varchar', length: 256 })
  eventId!: string;

  /** webhook-timestamp: when the sender signed this attempt. */
  @Column({ type: 'timestamptz' })
  signedAt!: Date;

  @Column({ type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ type: 'varchar', length: 255, nullable: true })
  contentType!: string | null;

  /** The body exactly as received and signed. */
  @Column({ type: 'bytea' })
  payload!: Buffer;

  @Column({ type: 'varchar', length: 16 })
  status!: WebhookEventStatus;

  @Column({ type: 'int' })
  attempts!: number;

  @Column({ type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;
}
