import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../validation/uuid.js';
import { JobStatusDto } from './job-status.dto.js';
import { JobsService } from './jobs.service.js';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @ApiOperation({ summary: "A background job's status, progress and result" })
  @ApiOkResponse({ type: JobStatusDto })
  get(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<JobStatusDto> {
    return this.jobs.getStatus(actor, id);
  }
}
