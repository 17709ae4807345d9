import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { authConfig } from '../../config/auth.config.js';
import { exportsConfig } from '../../config/exports.config.js';
import { exportExpiresAt, liveExportFile } from '../../core/exports/export-files.js';
import { assertExportCompleted } from '../../core/exports/export-writes.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { MailService } from '../../core/mail/mail.service.js';
import type { JobEnvelope } from '../../core/queue/job-envelope.js';
import { JobsService } from '../../core/queue/jobs.service.js';
import { AccessRevocationsService } from '../../core/auth/access-revocations.service.js';
import { sha256 } from './auth.service.js';
import type { ChangeEmailInput, DeleteAccountInput } from './dto/account.inputs.js';
import { PasswordService } from './password.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { UserTokensRepository } from './user-tokens.repository.js';
import { UsersRepository } from './users.repository.js';

export const ACCOUNTS_QUEUE = 'accounts';
export const EXPORT_JOB = 'account-export';
export const ANONYMISE_JOB = 'accounts-anonymise';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Not an argon2 hash, so no password ever verifies against it. */
const UNUSABLE_PASSWORD_HASH = '!anonymised';

const wrongPassword = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The password is incorrect', {
    errors: [{ field: 'password', message: 'is incorrect' }],
  });
const invalidToken = (): AppException =>
  new AppException('VALIDATION_FAILED', 'The token is invalid or expired', {
    errors: [{ field: 'token', message: 'is invalid, expired or already used' }],
  });
const emailTaken = (): AppException =>
  new AppException('CONFLICT', 'This email address is already in use', {
    errors: [{ field: 'newEmail', message: 'is already in use' }],
  });

const isUniqueViolation = (error: unknown): boolean => {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e.code === '23505' || e.driverError?.code === '23505';
};

/** The account's lifecycle: change of email, deletion and anonymisation, data export. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: UserTokensRepository,
    private readonly passwords: PasswordService,
    private readonly mail: MailService,
    private readonly jobs: JobsService,
    private readonly events: EventBus,
    private readonly revocations: AccessRevocationsService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    @Inject(exportsConfig.KEY) private readonly exports: ConfigType<typeof exportsConfig>,
  ) {}

  /**
   * Needs the password; mails a single-use link to the new address and a notice to the old one.
   * The email itself changes only when the link is followed.
   */
  async changeEmail(actor: AuthUser, input: ChangeEmailInput): Promise<void> {
    const user = await this.users.getById(actor.id);
    if (!user) throw new AppException('NOT_FOUND', 'User not found');
    if (
      !(await this.passwords.verify(await this.users.getPasswordHash(actor.id), input.password))
    ) {
      throw wrongPassword();
    }
    const newEmail = input.newEmail.trim().toLowerCase();
    if (newEmail === user.email.toLowerCase()) {
      throw new AppException('VALIDATION_FAILED', 'This is already your email address', {
        errors: [{ field: 'newEmail', message: 'is already your email address' }],
      });
    }
    if (await this.users.emailOrUsernameTaken(newEmail)) throw emailTaken();

    const token = randomBytes(32).toString('base64url');
    await this.tokens.issue(
      actor.id,
      'change_email',
      sha256(token),
      new Date(Date.now() + this.config.changeEmailTtlSeconds * 1000),
      newEmail,
    );
    await this.mail.send(newEmail, 'email-change-confirm', {
      link: this.mail.link('/confirm-email-change', { token }),
      newEmail,
    });
    await this.mail.send(user.email, 'email-change-notice', { newEmail });
  }

  /**
   * Switches the caller to the pending address and marks it verified; 409 if it was taken
   * meanwhile. The token works only for the account it was issued to: another account gets the
   * same 400 as for an unknown token, and the token stays usable for its owner.
   */
  async confirmEmailChange(actor: AuthUser, token: string): Promise<void> {
    let userId: string | undefined;
    try {
      userId = await this.tokens.consume(
        sha256(token),
        'change_email',
        async (id, tx, row) => {
          if (!row.newEmail) throw invalidToken();
          const taken: unknown[] = await tx.query(
            'SELECT 1 FROM users WHERE email = $1 AND id <> $2',
            [row.newEmail, id],
          );
          if (taken.length > 0) throw emailTaken();
          await tx.query(
            `UPDATE users SET email = $2, email_verified_at = now(), updated_at = now()
             WHERE id = $1`,
            [id, row.newEmail],
          );
        },
        actor.id,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    if (!userId) throw invalidToken();
    this.events.emit('auth.email.changed', { userId });
  }

  /**
   * Soft delete: the account disappears (login answers as for an unknown email), every session
   * ends; the data stays until the restore window has passed, then `anonymiseExpired` runs.
   */
  async deleteAccount(actor: AuthUser, input: DeleteAccountInput): Promise<void> {
    const hash = await this.users.getPasswordHash(actor.id);
    if (!hash) throw new AppException('NOT_FOUND', 'User not found');
    if (!(await this.passwords.verify(hash, input.password))) throw wrongPassword();
    const reason = input.reason?.trim() || null;
    const deleted = await this.db.transaction(async (tx) => {
      const [, count]: [unknown[], number] = await tx.query(
        `UPDATE users SET deleted_at = now(), deletion_reason = $2, updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL`,
        [actor.id, reason],
      );
      if (count === 0) return false;
      await tx.query('DELETE FROM user_tokens WHERE user_id = $1 AND used_at IS NULL', [actor.id]);
      return true;
    });
    if (!deleted) throw new AppException('NOT_FOUND', 'User not found');
    await this.sessions.revokeAllExcept(actor.id, undefined, 'account_deleted');
    await this.revocations.blockUsers([actor.id]);
    this.events.emit('user.deleted', { userId: actor.id });
  }

  /**
   * Anonymises every account deleted longer than AUTH_ACCOUNT_RESTORE_DAYS ago: email becomes
   * `deleted-<id>@invalid`, names, bio and username are cleared, the password can never match,
   * sessions and tokens are removed, and `user.anonymised` is emitted for each. Idempotent;
   * returns the ids it anonymised.
   */
  async anonymiseExpired(): Promise<string[]> {
    const ids = await this.db.transaction(async (tx) => {
      const rows: Array<{ id: string }> = await tx.query(
        `SELECT id FROM users
         WHERE deleted_at IS NOT NULL AND deleted_at < now() - make_interval(days => $1)
           AND email <> ('deleted-' || id || '@invalid')
         FOR UPDATE SKIP LOCKED`,
        [this.config.accountRestoreDays],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return [];
      await tx.query(
        `UPDATE users SET email = 'deleted-' || id || '@invalid', username = NULL,
           first_name = NULL, last_name = NULL, bio = NULL, timezone = NULL, locale = NULL,
           avatar_file_id = NULL, email_verified_at = NULL, deletion_reason = NULL,
           ban_reason = NULL, password_hash = $2, updated_at = now()
         WHERE id = ANY($1::uuid[])`,
        [ids, UNUSABLE_PASSWORD_HASH],
      );
      await tx.query('DELETE FROM sessions WHERE user_id = ANY($1::uuid[])', [ids]);
      await tx.query('DELETE FROM user_tokens WHERE user_id = ANY($1::uuid[])', [ids]);
      return ids;
    });
    // Other modules remove their part (files: soft-deleted now, bytes purged by their cleanup).
    for (const userId of ids) this.events.emit('user.anonymised', { userId });
    return ids;
  }

  /** Queues the export of everything stored about the caller. */
  async requestExport(actor: AuthUser): Promise<{ jobId: string }> {
    return this.jobs.enqueue(
      ACCOUNTS_QUEUE,
      EXPORT_JOB,
      { userId: actor.id },
      { ownerId: actor.id },
    );
  }

  /** Where an export job writes its archive. */
  exportFile(userId: string, jobId: string): string {
    return join(resolve(this.exports.dir), userId, `${jobId}.json`);
  }

  /** When an archive written at `mtimeMs` expires (EXPORT_TTL_HOURS later). */
  exportExpiresAt(mtimeMs: number): Date {
    return exportExpiresAt(mtimeMs, this.exports.ttlHours);
  }

  /** The finished archive of the caller's own export job; anyone else's job is a 404. */
  async openExport(
    actor: AuthUser,
    jobId: string,
  ): Promise<{ stream: ReadStream; filename: string; size: number }> {
    const notFound = () => new AppException('NOT_FOUND', 'Export not found');
    if (!UUID.test(jobId)) throw notFound();
    const job = await this.jobs.queue(ACCOUNTS_QUEUE).getJob(jobId);
    const owner = (job?.data as JobEnvelope | undefined)?.meta?.userId;
    if (!job || job.name !== EXPORT_JOB || owner !== actor.id) throw notFound();
    assertExportCompleted(await job.getState());
    const path = this.exportFile(actor.id, jobId);
    const info = await liveExportFile(path, this.exports.ttlHours);
    if (!info) throw notFound();
    return {
      stream: createReadStream(path),
      filename: `account-export-${jobId}.json`,
      size: info.size,
    };
  }
}
