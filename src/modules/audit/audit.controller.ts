import { Body, Controller, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Permissions } from '../../core/auth/permissions.decorator.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidParam } from '../../core/validation/uuid.js';
import {
  type AuditLogDto,
  AuditLogPage,
  AuditLogQuery,
  MyAuditLogQuery,
  UserActivityDto,
} from './dto/audit.dto.js';
import { AuditLogExportInput } from './dto/audit-export.dto.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly exports: AuditExportService,
  ) {}

  @Post('audit-logs/exports')
  @HttpCode(202)
  @Permissions('audit.read')
  @ApiOperation({ summary: 'Export the filtered audit log as CSV or JSON (background job)' })
  @ApiAcceptedResponse({
    description: 'Export queued; poll the job at the Location header',
    schema: {
      type: 'object',
      required: ['jobId'],
      properties: { jobId: { type: 'string', format: 'uuid' } },
    },
  })
  async export(
    @CurrentUser() actor: AuthUser,
    @Body() input: AuditLogExportInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ jobId: string }> {
    const accepted = await this.exports.request(actor, input);
    reply.header('Location', `/api/v1/jobs/${accepted.jobId}`);
    return accepted;
  }

  @Get('audit-logs/exports/:jobId/download')
  @Permissions('audit.read')
  @ApiOperation({ summary: 'Download a finished audit export (its requester only)' })
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({ description: 'The export file', schema: { type: 'string', format: 'binary' } })
  async download(
    @CurrentUser() actor: AuthUser,
    @UuidParam('jobId') jobId: string,
  ): Promise<StreamableFile> {
    const file = await this.exports.open(actor, jobId);
    return new StreamableFile(file.stream, {
      type: file.type,
      disposition: `attachment; filename="${file.filename}"`,
      length: file.size,
    });
  }

  @Get('audit-logs')
  @Permissions('audit.read')
  @ApiOperation({
    summary: 'Search all audit entries, newest first or `sort=occurredAt` (keyset pagination)',
  })
  @ApiOkResponse({ type: AuditLogPage })
  search(@Query() query: AuditLogQuery): Promise<Page<AuditLogDto>> {
    const { limit, cursor, sort, expand, ...filter } = query;
    return this.audit.search(filter, { limit, cursor }, sort, expand);
  }

  @Get('audit-logs/me')
  @ApiOperation({ summary: 'My own audit entries (as actor), newest first' })
  @ApiOkResponse({ type: AuditLogPage })
  mine(
    @CurrentUser() actor: AuthUser,
    @Query() query: MyAuditLogQuery,
  ): Promise<Page<AuditLogDto>> {
    const { expand, ...page } = query;
    return this.audit.search({ actorId: actor.id }, page, undefined, expand);
  }

  @Get('admin/users/:id/activity')
  @Permissions('audit.read')
  @ApiOperation({ summary: "A user's activity summary from the audit log" })
  @ApiOkResponse({ type: UserActivityDto })
  activity(@UuidParam('id') id: string): Promise<UserActivityDto> {
    return this.audit.activity(id);
  }
}
