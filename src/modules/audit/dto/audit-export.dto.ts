import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { NestedObject } from '../../../core/validation/validators.js';
import { AuditLogFilter } from './audit.dto.js';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

@InputType('AuditLogExportInput')
export class AuditLogExportInput {
  @ApiProperty({ enum: EXPORT_FORMATS })
  @Field(() => String, { description: 'csv or json' })
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;

  @ApiPropertyOptional({ type: AuditLogFilter })
  @Field(() => AuditLogFilter, { nullable: true })
  @IsOptional()
  @NestedObject(() => AuditLogFilter)
  filter?: AuditLogFilter;
}
