import { Injectable } from '@nestjs/common';

/** The current state of one entity type's records, for @Audited's before/after values. */
export interface AuditSnapshotProvider {
  /** The entity type it serves, e.g. 'user' (the `entity` part of 'entity.action'). */
  readonly entityType: string;
  /** The record's auditable fields (never secrets), or null when there is no such record. */
  snapshot(id: string): Promise<Record<string, unknown> | null>;
}

/**
 * Snapshot providers by entity type. A module registers its provider in onModuleInit
 * (`registry.register(this)`), so audit depends on no feature module and vice versa.
 */
@Injectable()
export class AuditSnapshotRegistry {
  private readonly providers = new Map<string, AuditSnapshotProvider>();

  register(provider: AuditSnapshotProvider): void {
    if (this.providers.has(provider.entityType)) {
      throw new Error(`An audit snapshot provider for '${provider.entityType}' is registered`);
    }
    this.providers.set(provider.entityType, provider);
  }

  get(entityType: string): AuditSnapshotProvider | undefined {
    return this.providers.get(entityType);
  }
}
