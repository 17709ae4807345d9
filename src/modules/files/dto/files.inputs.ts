import { Field, InputType, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
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

/** GET /files/:id/thumbnail?size= */
export class ThumbnailQuery {
  @ApiPropertyOptional({ enum: THUMBNAIL_SIZE_VALUES, default: 256 })
  @IsOptional()
  @Type(() => Number)
  @IsIn(THUMBNAIL_SIZE_VALUES)
  size?: 64 | 256;
}

/** The query of a signed download link. */
export class SignedDownloadQuery {
  @ApiPropertyOptional({ enum: ['original', 'thumb-64', 'thumb-256'] })
  @IsIn(['original', 'thumb-64', 'thumb-256'])
  variant!: 'original' | 'thumb-64' | 'thumb-256';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  expires!: number;

  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'signature is not valid' })
  signature!: string;
}
