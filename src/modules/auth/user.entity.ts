import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type ValueTransformer,
} from 'typeorm';

// pg answers bigint as a string; time steps stay far below 2^53.
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'citext' })
  email!: string;

  @Column({ type: 'citext', nullable: true })
  username!: string | null;

  /** Null for an account that signs in with an OpenID provider only. */
  @Column({ type: 'text', select: false, nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  emailVerifiedAt!: Date | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  lastName!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  bio!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone!: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  locale!: string | null;

  @Column({ type: 'uuid', nullable: true })
  avatarFileId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  bannedAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  banReason!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  bannedUntil!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true, select: false })
  deletionReason!: string | null;

  /** AES-256-GCM encrypted (see TwoFactorService); pending until twoFactorEnabledAt is set. */
  @Column({ type: 'text', nullable: true, select: false })
  twoFactorSecret!: string | null;

  @Column({ type: 'timestamptz', nullable: true, select: false })
  twoFactorEnabledAt!: Date | null;

  /** The last TOTP time step accepted: later codes only (RFC 6238 §5.2). */
  @Column({ type: 'bigint', nullable: true, select: false, transformer: bigintAsNumber })
  totpLastStep!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** Columns only their own repositories read (two-factor state, deletion details). */
type InternalColumns = 'deletionReason' | 'twoFactorSecret' | 'twoFactorEnabledAt' | 'totpLastStep';

/** A user as services see it: the profile row plus its role names. */
export type UserWithRoles = Omit<UserEntity, InternalColumns> & { roles: string[] };
