import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ExportSection, ExportSections } from '../../../core/exports/export-section.js';
import { IdentitiesRepository, type UserIdentity } from './identities.repository.js';

/** The linked provider accounts in the user's GDPR archive (subject included: it is theirs). */
@Injectable()
export class IdentitiesExportSection implements ExportSection, OnModuleInit {
  readonly name = 'identities';

  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<Omit<UserIdentity, 'id' | 'userId'>> {
    for (const identity of await this.identities.listOf(userId)) {
      yield {
        provider: identity.provider,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        emailVerified: identity.emailVerified,
        linkedAt: identity.linkedAt,
        lastUsedAt: identity.lastUsedAt,
      };
    }
  }
}
