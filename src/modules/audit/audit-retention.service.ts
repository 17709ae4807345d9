import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { auditConfig } from '../../config/audit.config.js';
import { auditEntriesDeletedTotal } from '../../core/observability/metrics.js';
import { AuditRepository } from './audit.repository.js';

export const RETENTION_BATCH_SIZE = 10_000;

/**
 * Deletes audit entries older than AUDIT_RETENTION_DAYS, in bounded batches. It is the only
 * code allowed to delete from audit_log (migration 008's trigger checks `audit.retention`).
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger(AuditRetentionService.name);

  constructor(
    private readonly repo: AuditRepository,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
  ) {}

  async deleteExpired(batchSize = RETENTION_BATCH_SIZE): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.repo.deleteOlderThan(this.config.retentionDays, batchSize);
      total += deleted;
      if (deleted < batchSize) break;
    }
    auditEntriesDeletedTotal.inc(total);
    this.logger.log(
      { count: total, retentionDays: this.config.retentionDays },
      'Deleted expired audit entries',
    );
    return total;
  }
}
