import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Query, Resolver } from '@nestjs/graphql';
import { UuidArg } from '../validation/uuid.js';
import { JobStatusDto } from './job-status.dto.js';
import { JobsService } from './jobs.service.js';

@Resolver(() => JobStatusDto)
export class JobsResolver {
  constructor(private readonly jobs: JobsService) {}

  @Query(() => JobStatusDto, { description: "A background job's status, progress and result" })
  job(@CurrentUser() actor: AuthUser, @UuidArg('id') id: string): Promise<JobStatusDto> {
    return this.jobs.getStatus(actor, id);
  }
}
