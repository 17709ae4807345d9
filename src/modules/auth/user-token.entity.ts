import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type UserTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/** A single-use mailed token (verification, reset, email change); only its SHA-256 is stored. */
@Entity('user_tokens')
export class UserTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  userId!: string;

  @Column({ type: 'varchar', length: 30 })
  purpose!: UserTokenPurpose;

  @Column({ type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  /** The pending address of a `change_email` token. */
  @Column({ type: 'citext', nullable: true })
  newEmail!: string | null;

  @Column({ type: 'timestamptz', nullable: true, default: () => 'now()' })
  createdAt!: Date | null;
}
