import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { auditConfig } from '../../config/audit.config.js';
import { auditEntriesDeletedTotal } from '../../core/observability/metrics.js';

export const RETENTION_BATCH_SIZE = 10_000;

/**
 * Deletes audit entries older than AUDIT_RETENTION_DAYS, in bounded batches. It is the only
 * code allowed to delete from audit_log (migration 008's trigger checks `audit.retention`).
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger(AuditRetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
  ) {}

  async deleteExpired(batchSize = RETENTION_BATCH_SIZE): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.deleteBatch(batchSize);
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

  /** One batch in its own short transaction, the only kind the append-only trigger lets delete. */
  private deleteBatch(batchSize: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('audit.retention', 'on', true)`);
      const result: [unknown[], number] = await tx.query(
        `DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE occurred_at < now() - make_interval(days => $1)
           LIMIT $2)`,
        [this.config.retentionDays, batchSize],
      );
      return result[1];
    });
  }
}
