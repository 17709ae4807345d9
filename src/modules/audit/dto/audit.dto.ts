import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageArgs } from '../../../core/pagination/page.args.js';
import { PageType } from '../../../core/pagination/page.js';

@ObjectType('AuditLogEntry')
export class AuditLogDto {
  @ApiProperty({ description: 'The bigint id, as a string' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) occurredAt!: Date;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) actorId!: string | null;
  @ApiProperty() @Field() actorType!: string;
  @ApiProperty() @Field() action!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) entityType!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) entityId!: string | null;
  @ApiPropertyOptional({ description: 'JSON text, secrets redacted' })
  @Field(() => String, { nullable: true, description: 'JSON text, secrets redacted' })
  oldValues!: string | null;
  @ApiPropertyOptional({ description: 'JSON text, secrets redacted' })
  @Field(() => String, { nullable: true, description: 'JSON text, secrets redacted' })
  newValues!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) ip!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) userAgent!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) requestId!: string | null;
  @ApiProperty({ enum: ['success', 'failure'] }) @Field() status!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) description!: string | null;
}

export const AuditLogPage = PageType(AuditLogDto, 'AuditLogPage');

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @ApiPropertyOptional() @Field({ nullable: true }) @IsOptional() @IsUUID() actorId?: string;
  @ApiPropertyOptional({ description: 'Prefix, e.g. auth.login' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;
  @ApiPropertyOptional()
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  entityType?: string;
  @ApiPropertyOptional()
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  entityId?: string;
  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(['success', 'failure'])
  status?: string;
  @ApiPropertyOptional()
  @Field({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional()
  @Field({ nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
  @ApiPropertyOptional({ description: 'Free text in the description' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

/** `GET /audit-logs` query: the filter and the page. */
export class AuditLogQuery extends IntersectionType(AuditLogFilter, PageArgs) {}

@ObjectType('ActionCount')
export class ActionCountDto {
  @ApiProperty() @Field() action!: string;
  @ApiProperty() @Field(() => Int) count!: number;
}

@ObjectType('UserActivity')
export class UserActivityDto {
  @ApiProperty({ type: [ActionCountDto] })
  @Field(() => [ActionCountDto])
  countsByAction!: ActionCountDto[];
  @ApiPropertyOptional()
  @Field(() => GraphQLISODateTime, { nullable: true })
  lastLoginAt!: Date | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) lastLoginIp!: string | null;
  @ApiProperty() @Field(() => Int) failedLoginsLast24h!: number;
}
