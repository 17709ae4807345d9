import {
  ArgsType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
} from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { GraphQLJSON } from '../../../core/graphql/json.scalar.js';
import { PageArgs } from '../../../core/pagination/page.args.js';
import { PageType } from '../../../core/pagination/page.js';
import { UuidField } from '../../../core/validation/uuid.js';
import { NestedObject } from '../../../core/validation/validators.js';
import { AUDIT_SORTS, type AuditSort, DEFAULT_AUDIT_SORT } from '../audit-sorts.js';

/** A JSON value as stored in old_values / new_values. */
export type AuditValues = Record<string, unknown> | unknown[] | string | number | boolean;

/** Who acted: the user behind `actorId` (deleted accounts too; anonymised ones say so). */
@ObjectType('AuditActor')
export class AuditActorDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field() email!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) username!: string | null;
}

/** `expand=actor` on the REST lists: each entry carries its `actor` (one query per page). */
export const AUDIT_EXPANSIONS = ['actor'] as const;

@ObjectType('AuditLogEntry')
export class AuditLogDto {
  @ApiProperty({ description: 'The bigint id, as a string' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field(() => GraphQLISODateTime) occurredAt!: Date;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) actorId!: string | null;
  @ApiProperty() @Field() actorType!: string;
  @ApiProperty() @Field() action!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) entityType!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) entityId!: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The changed fields before the action (secrets redacted)',
  })
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The changed fields before the action (secrets redacted)',
  })
  oldValues!: AuditValues | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The changed fields after the action, or the event payload (secrets redacted)',
  })
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The changed fields after the action, or the event payload (secrets redacted)',
  })
  newValues!: AuditValues | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) ip!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) userAgent!: string | null;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) requestId!: string | null;
  @ApiProperty({ enum: ['success', 'failure'] }) @Field() status!: string;
  @ApiPropertyOptional() @Field(() => String, { nullable: true }) description!: string | null;
  // GraphQL resolves it per selection (AuditLogEntryResolver, batched); REST with expand=actor.
  @ApiPropertyOptional({ type: AuditActorDto, nullable: true, description: 'With expand=actor' })
  actor?: AuditActorDto | null;
}

export const AuditLogPage = PageType(AuditLogDto, 'AuditLogPage');

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @UuidField({ nullable: true }) actorId?: string;
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

/** `GET /audit-logs` query: the filter, the sort and the page. */
export class AuditLogQuery extends IntersectionType(AuditLogFilter, PageArgs) {
  @ApiPropertyOptional({ enum: AUDIT_SORTS, default: DEFAULT_AUDIT_SORT })
  @IsOptional()
  @IsIn(AUDIT_SORTS)
  sort?: AuditSort;

  @ApiPropertyOptional({ enum: AUDIT_EXPANSIONS, description: "Include each entry's actor" })
  @IsOptional()
  @IsIn(AUDIT_EXPANSIONS)
  expand?: (typeof AUDIT_EXPANSIONS)[number];
}

/** `GET /audit-logs/me`: a page, and optionally each entry's actor. */
export class MyAuditLogQuery extends PageArgs {
  @ApiPropertyOptional({ enum: AUDIT_EXPANSIONS, description: "Include each entry's actor" })
  @IsOptional()
  @IsIn(AUDIT_EXPANSIONS)
  expand?: (typeof AUDIT_EXPANSIONS)[number];
}

/** `auditLogs(filter, page, sort)`: the same filter, page and sort classes as `GET /audit-logs`. */
@ArgsType()
export class AuditLogsArgs {
  @Field(() => AuditLogFilter, { nullable: true })
  @IsOptional()
  @NestedObject(() => AuditLogFilter)
  filter?: AuditLogFilter;

  @Field(() => PageArgs, { nullable: true })
  @IsOptional()
  @NestedObject(() => PageArgs)
  page?: PageArgs;

  @Field(() => String, {
    nullable: true,
    description: `${AUDIT_SORTS.join(' or ')} (default ${DEFAULT_AUDIT_SORT}, newest first)`,
  })
  @IsOptional()
  @IsIn(AUDIT_SORTS)
  sort?: AuditSort;
}

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
