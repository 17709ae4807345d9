import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import type { Page } from '../../core/pagination/page.js';
import {
  type AuditLogDto,
  AuditLogPage,
  AuditLogQuery,
  PageQuery,
  UserActivityDto,
} from './dto/audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit-logs')
  @Permissions('audit.read')
  @ApiOperation({ summary: 'Search all audit entries, newest first (keyset pagination)' })
  @ApiOkResponse({ type: AuditLogPage })
  search(@Query() query: AuditLogQuery): Promise<Page<AuditLogDto>> {
    const { limit, cursor, ...filter } = query;
    return this.audit.search(filter, { limit, cursor });
  }

  @Get('audit-logs/me')
  @ApiOperation({ summary: 'My own audit entries (as actor), newest first' })
  @ApiOkResponse({ type: AuditLogPage })
  mine(@CurrentUser() actor: AuthUser, @Query() query: PageQuery): Promise<Page<AuditLogDto>> {
    return this.audit.search({ actorId: actor.id }, query);
  }

  @Get('admin/users/:id/activity')
  @Permissions('audit.read')
  @ApiOperation({ summary: "A user's activity summary from the audit log" })
  @ApiOkResponse({ type: UserActivityDto })
  activity(@Param('id') id: string): Promise<UserActivityDto> {
    return this.audit.activity(id);
  }
}
