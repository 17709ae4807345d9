import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, UnrecoverableError } from 'bullmq';
import { stat } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import { appConfig } from '../../config/app.config.js';
import { writeExportFile } from '../../core/exports/export-writes.js';
import { AppWorker, QueueWorker } from '../../core/queue/app-worker.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { ACCOUNTS_QUEUE, AccountService, ANONYMISE_JOB, EXPORT_JOB } from './account.service.js';
import type { AccountExportResult } from './dto/account.inputs.js';

export const ANONYMISE_SCHEDULER_ID = 'accounts-anonymise-daily';
/** Every day at 03:17 UTC. */
export const ANONYMISE_PATTERN = '17 3 * * *';

/** Modules that will hold personal data but are not built yet; listed so the gap is visible. */
const NOT_YET_EXPORTED = ['notifications'] as const;
const AUDIT_BATCH = 1000;

type AccountsJob = { userId?: string };
type AccountsResult = AccountExportResult | { anonymised: number };

/**
 * The `accounts` queue: GDPR exports on demand, and the daily anonymisation of accounts deleted
 * longer than the restore window (a BullMQ job scheduler registered at start by worker processes).
 */
@QueueWorker(ACCOUNTS_QUEUE)
export class AccountsWorker
  extends AppWorker<AccountsJob, AccountsResult>
  implements OnApplicationBootstrap
{
  constructor(
    private readonly accounts: AccountService,
    private readonly jobs: JobsService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.app.runsWorkers)
      await this.jobs.schedule(
        ACCOUNTS_QUEUE,
        ANONYMISE_SCHEDULER_ID,
        ANONYMISE_PATTERN,
        ANONYMISE_JOB,
      );
  }

  async handle(payload: AccountsJob, job: Job<JobEnvelope<AccountsJob>>): Promise<AccountsResult> {
    if (job.name === ANONYMISE_JOB) {
      const ids = await this.accounts.anonymiseExpired();
      if (ids.length > 0) this.logger.log({ count: ids.length }, 'Anonymised deleted accounts');
      return { anonymised: ids.length };
    }
    if (job.name === EXPORT_JOB && payload.userId && job.id) {
      return this.export(payload.userId, job.id);
    }
    throw new UnrecoverableError(`Unknown accounts job ${job.name}`);
  }

  /** Writes the archive to a temporary file, streamed, then renames it into place. */
  private async export(userId: string, jobId: string): Promise<AccountExportResult> {
    const path = this.accounts.exportFile(userId, jobId);
    await writeExportFile(path, this.archive(userId));
    const info = await stat(path);
    return {
      downloadPath: `/api/v1/users/me/export/${jobId}/download`,
      bytes: info.size,
      expiresAt: this.accounts.exportExpiresAt(info.mtimeMs).toISOString(),
    };
  }

  /** The archive as JSON text, piece by piece; no password or token hash is ever selected. */
  private async *archive(userId: string): AsyncGenerator<string> {
    const [profile] = await this.db.query(
      `SELECT id, email, username, email_verified_at AS "emailVerifiedAt",
         first_name AS "firstName", last_name AS "lastName", bio, timezone, locale,
         avatar_file_id AS "avatarFileId", banned_at AS "bannedAt", ban_reason AS "banReason",
         banned_until AS "bannedUntil", created_at AS "createdAt", updated_at AS "updatedAt"
       FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    if (!profile) throw new UnrecoverableError('The account no longer exists');
    const roles: Array<{ name: string }> = await this.db.query(
      `SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
       WHERE ur.user_id = $1 ORDER BY r.name`,
      [userId],
    );
    yield `{"format":"account-export","version":1,"exportedAt":${JSON.stringify(new Date())}`;
    yield `,"profile":${JSON.stringify(profile)}`;
    yield `,"roles":${JSON.stringify(roles.map((r) => r.name))}`;
    yield ',"sessions":[';
    const sessions: Array<Record<string, unknown>> = await this.db.query(
      `SELECT id, ip, user_agent AS "userAgent", created_at AS "createdAt",
         last_used_at AS "lastUsedAt", expires_at AS "expiresAt", revoked_at AS "revokedAt",
         revoked_reason AS "revokedReason"
       FROM sessions WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
    for (const [i, session] of sessions.entries()) {
      yield `${i === 0 ? '' : ','}${JSON.stringify(session)}`;
    }
    yield ']';
    const files: Array<Record<string, unknown>> = await this.db.query(
      `SELECT id, kind, name, mime_type AS "mimeType", size::float8 AS size, sha256, status,
         width, height, created_at AS "createdAt"
       FROM files WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY created_at`,
      [userId],
    );
    // Metadata only: each file's bytes are at GET /api/v1/files/:id/content.
    yield `,"files":${JSON.stringify(files)}`;
    yield* this.auditEntries(userId);
    const pending = Object.fromEntries(
      NOT_YET_EXPORTED.map((name) => [
        name,
        { status: 'not_available', note: `The ${name} module is not built yet; nothing stored.` },
      ]),
    );
    yield `,"notYetIncluded":${JSON.stringify(pending)}}\n`;
  }

  /** The user's own audit entries (as actor), oldest first, read in keyset batches. */
  private async *auditEntries(userId: string): AsyncGenerator<string> {
    yield ',"auditLog":[';
    let after = '0';
    let first = true;
    for (;;) {
      const rows: Array<Record<string, unknown> & { id: string }> = await this.db.query(
        // ORDER BY the bigint column, not the text alias `id` (which sorts '10000' before '9999').
        `SELECT a.id::text AS id, occurred_at AS "occurredAt", action, entity_type AS "entityType",
           entity_id AS "entityId", ip, user_agent AS "userAgent", status, description
         FROM audit_log a WHERE actor_id = $1 AND a.id > $2::bigint ORDER BY a.id LIMIT $3`,
        [userId, after, AUDIT_BATCH],
      );
      for (const row of rows) {
        yield `${first ? '' : ','}${JSON.stringify(row)}`;
        first = false;
      }
      if (rows.length < AUDIT_BATCH) break;
      after = rows[rows.length - 1].id;
    }
    yield ']';
  }
}
