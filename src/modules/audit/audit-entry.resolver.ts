import { ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphqlFieldContext } from '../../core/graphql/loaders.js';
import { loaderFor } from '../../core/graphql/loaders.js';
import { AuditService } from './audit.service.js';
import { AuditActorDto, AuditLogDto } from './dto/audit.dto.js';

/** Fields of an audit entry resolved only when selected; relations batched per request. */
@Resolver(() => AuditLogDto)
export class AuditLogEntryResolver {
  constructor(private readonly audit: AuditService) {}

  // A plain field resolver (see loaders.ts): called once per entry of the page.
  @ResolveField(() => AuditActorDto, {
    nullable: true,
    description: 'Who acted (null for the system or an anonymous caller)',
  })
  actor(
    entry: AuditLogDto,
    _args: unknown,
    context: GraphqlFieldContext,
  ): Promise<AuditActorDto | null> {
    if (!entry.actorId) return Promise.resolve(null);
    // Every entry of the page asks in the same tick: one query for the whole page.
    return loaderFor<string, AuditActorDto>(context, 'audit.actor', (ids) =>
      this.audit.actorsOf(ids),
    ).load(entry.actorId);
  }
}
