import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A refresh token already rotated away: presenting it again means it leaked. */
@Entity('rotated_refresh_tokens')
export class RotatedRefreshTokenEntity {
  @PrimaryColumn({ type: 'char', length: 64 })
  tokenHash!: string;

  @Column('uuid')
  sessionId!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  rotatedAt!: Date;
}
