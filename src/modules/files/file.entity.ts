import { Column, Entity, PrimaryColumn } from 'typeorm';

export type FileKind = 'avatar' | 'attachment';
export type FileStatus = 'processing' | 'ready' | 'failed';

@Entity('files')
export class FileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  ownerId!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: FileKind;

  @Column({ type: 'varchar', length: 20 })
  status!: FileStatus;

  @Column({ type: 'varchar', length: 10 })
  storageDriver!: string;

  @Column({ type: 'varchar', length: 512 })
  storageKey!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'varchar', length: 127 })
  mimeType!: string;

  /** bigint in PostgreSQL; files are far below 2^53 bytes. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size!: number;

  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @Column({ type: 'int', nullable: true })
  width!: number | null;

  @Column({ type: 'int', nullable: true })
  height!: number | null;

  @Column({ type: 'boolean', default: false })
  hasThumbnails!: boolean;

  @Column({ type: 'varchar', length: 200, nullable: true })
  failureReason!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  purgedAt!: Date | null;
}
