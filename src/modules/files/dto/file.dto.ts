import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageType } from '../../../core/pagination/page.js';
import type { FileEntity } from '../file.entity.js';

@ObjectType('File')
export class FileDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) ownerId!: string;
  @ApiProperty({ enum: ['avatar', 'attachment'] })
  @Field(() => String, { description: 'avatar or attachment' })
  kind!: string;
  @ApiProperty({ description: 'The sanitised original name' }) @Field() name!: string;
  @ApiProperty({ description: 'Sniffed from the content, not taken from the client' })
  @Field()
  mimeType!: string;
  @ApiProperty() @Field(() => Float, { description: 'Bytes' }) size!: number;
  @ApiProperty() @Field() sha256!: string;
  @ApiProperty({ enum: ['processing', 'ready', 'failed'] })
  @Field(() => String, { description: 'processing, ready or failed' })
  status!: string;
  @ApiPropertyOptional() @Field(() => Int, { nullable: true }) width!: number | null;
  @ApiPropertyOptional() @Field(() => Int, { nullable: true }) height!: number | null;
  @ApiProperty() @Field() hasThumbnails!: boolean;
  @ApiProperty() @Field(() => GraphQLISODateTime) createdAt!: Date;
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  processedAt!: Date | null;
}

// The row a DTO was made from rides on it under a symbol: JSON.stringify and GraphQL skip it,
// and it costs a property where a WeakMap entry per DTO cost ~1.2 µs per row (bench/list-rows.mjs).
const SOURCE = Symbol('file row');
type WithSource = FileDto & { [SOURCE]?: FileEntity };

/** The row a DTO was made from (GraphQL field resolvers need its storage key for links). */
export const sourceOf = (dto: FileDto): FileEntity | undefined => (dto as WithSource)[SOURCE];

export function toFileDto(file: FileEntity): FileDto {
  const dto: WithSource = {
    id: file.id,
    ownerId: file.ownerId,
    kind: file.kind,
    name: file.name,
    mimeType: file.mimeType,
    size: file.size,
    sha256: file.sha256,
    status: file.status,
    width: file.width,
    height: file.height,
    hasThumbnails: file.hasThumbnails,
    createdAt: file.createdAt,
    processedAt: file.processedAt,
    [SOURCE]: file,
  };
  return dto;
}

export const FilePage = PageType(FileDto, 'FilePage');

@ObjectType('FileLink')
export class FileLinkDto {
  @ApiProperty({ description: 'Works without a bearer token until expiresAt' })
  @Field()
  url!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) expiresAt!: Date;
}

@ObjectType('StorageUsage')
export class StorageUsageDto {
  @ApiProperty() @Field(() => Float) usedBytes!: number;
  @ApiProperty() @Field(() => Int) fileCount!: number;
  @ApiProperty({ description: 'The per-user quota in bytes' })
  @Field(() => Float)
  quotaBytes!: number;
}
