import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import { PageArgs } from '../../core/pagination/page.args.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidArg } from '../../core/validation/uuid.js';
import { type AuditLogDto, AuditLogPage, AuditLogsArgs, UserActivityDto } from './dto/audit.dto.js';
import { JobAcceptedDto } from '../auth/dto/account.inputs.js';
import { AuditLogExportInput } from './dto/audit-export.dto.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditService } from './audit.service.js';

@Resolver()
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly exports: AuditExportService,
  ) {}

  @Mutation(() => JobAcceptedDto, { description: 'Admin: export the audit log (background job)' })
  @Permissions('audit.read')
  exportAuditLogs(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: AuditLogExportInput,
  ): Promise<JobAcceptedDto> {
    return this.exports.request(actor, input);
  }

  @Query(() => AuditLogPage, { description: 'Admin: search all audit entries, sorted by time' })
  @Permissions('audit.read')
  auditLogs(@Args() args: AuditLogsArgs): Promise<Page<AuditLogDto>> {
    return this.audit.search(args.filter ?? {}, args.page ?? {}, args.sort ?? undefined);
  }

  @Query(() => AuditLogPage, { description: 'My own audit entries, newest first' })
  myAuditLogs(
    @CurrentUser() actor: AuthUser,
    @Args('page', { type: () => PageArgs, nullable: true }) page?: PageArgs,
  ): Promise<Page<AuditLogDto>> {
    return this.audit.search({ actorId: actor.id }, page ?? {});
  }

  @Query(() => UserActivityDto, { description: "Admin: a user's activity summary" })
  @Permissions('audit.read')
  userActivity(@UuidArg('userId') userId: string): Promise<UserActivityDto> {
    return this.audit.activity(userId);
  }
}
