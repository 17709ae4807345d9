import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { loaderFor } from '../../core/graphql/loaders.js';
import { AuditService } from './audit.service.js';
import { AuditActorDto, AuditLogDto } from './dto/audit.dto.js';

/** Fields of an audit entry resolved only when selected; relations batched per request. */
@Resolver(() => AuditLogDto)
export class AuditLogEntryResolver {
  constructor(private readonly audit: AuditService) {}

  @ResolveField(() => AuditActorDto, {
    nullable: true,
    description: 'Who acted (null for the system or an anonymous caller)',
  })
  actor(@Parent() entry: AuditLogDto, @Context() context: object): Promise<AuditActorDto | null> {
    if (!entry.actorId) return Promise.resolve(null);
    // Every entry of the page asks in the same tick: one query for the whole page.
    return loaderFor<string, AuditActorDto>(context, 'audit.actor', (ids) =>
      this.audit.actorsOf(ids),
    ).load(entry.actorId);
  }
}
