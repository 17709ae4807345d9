import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const UPLOAD_KINDS = ['attachment'] as const;

/** POST /files?kind= (REST) — the form's `kind` field is accepted too when it precedes `file`. */
export class UploadFileQuery {
  @ApiPropertyOptional({ enum: UPLOAD_KINDS, default: 'attachment' })
  @IsOptional()
  @IsIn(UPLOAD_KINDS)
  kind?: (typeof UPLOAD_KINDS)[number];
}

@InputType('FileLinkInput')
export class FileLinkInput {
  @ApiPropertyOptional({
    minimum: 60,
    maximum: 604_800,
    description: 'Defaults to FILES_LINK_TTL_SECONDS',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(604_800)
  expiresInSeconds?: number;
}

export const THUMBNAIL_SIZE_VALUES = [64, 256] as const;

/** `GET /files/:id/thumbnail?size=` and the `thumbnailUrl(size)` field: 64 or 256, nothing else. */
@ArgsType()
export class ThumbnailQuery {
  @ApiPropertyOptional({ enum: THUMBNAIL_SIZE_VALUES, default: 256 })
  @Field(() => Int, { nullable: true, defaultValue: 256, description: '64 or 256' })
  @IsOptional()
  @Type(() => Number)
  @IsIn(THUMBNAIL_SIZE_VALUES)
  size?: 64 | 256;
}

const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** The query of a signed download link. */
export class SignedDownloadQuery {
  @ApiProperty({ enum: ['original', 'thumb-64', 'thumb-256'] })
  @IsIn(['original', 'thumb-64', 'thumb-256'])
  variant!: 'original' | 'thumb-64' | 'thumb-256';

  @ApiProperty({ minimum: 0, description: 'Unix seconds after which the link is refused' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  expires!: number;

  @ApiProperty({ pattern: SIGNATURE.source, description: 'HMAC of the id, variant and expiry' })
  @Matches(SIGNATURE, { message: 'signature is not valid' })
  signature!: string;
}
