import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appConfig } from '../../config/app.config.js';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { ClientInfo } from '../../core/http/client-info.decorator.js';
import { MailService } from '../../core/mail/mail.service.js';
import { sha256 } from './auth.service.js';
import type { TwoFactorBackupCodesDto, TwoFactorSetupDto } from './dto/two-factor.dto.js';
import { PasswordService } from './password.service.js';
import { generateTotpSecret, otpauthUrl, verifyTotp } from './totp.js';

const BACKUP_CODES = 10;
const DEV_FALLBACK_SECRET = 'nest-starter insecure development two-factor key';

interface TwoFactorRow {
  email: string;
  two_factor_secret: string | null;
  two_factor_enabled_at: Date | null;
}

/** What a login's second factor amounts to. */
export type SecondFactor = 'off' | 'ok' | 'missing' | 'invalid';

const badCode = (field = 'code'): AppException =>
  new AppException('VALIDATION_FAILED', 'The code is invalid', {
    errors: [{ field, message: `${field} is invalid or already used` }],
  });

/** Backup codes are compared without case, spaces or dashes. */
const normalizeBackupCode = (code: string): string => code.replace(/[\s-]/g, '').toLowerCase();

/**
 * TOTP two-factor authentication (RFC 6238) with ten single-use backup codes. The secret is
 * stored AES-256-GCM encrypted under a key derived (HKDF-SHA256) from SIGNING_SECRET, else
 * JWT_SECRET, else — outside production only — a fixed development key; backup codes as SHA-256.
 */
@Injectable()
export class TwoFactorService {
  private readonly logger = new Logger('Auth');
  private readonly key: Buffer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly passwords: PasswordService,
    private readonly mail: MailService,
    private readonly events: EventBus,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {
    const material = security.signingSecret ?? security.jwtSecret ?? DEV_FALLBACK_SECRET;
    this.key = Buffer.from(hkdfSync('sha256', material, '', 'two-factor-secret/v1', 32));
  }

  /** A new pending secret (replacing any earlier pending one); enabled only by `enable`. */
  async setup(actor: AuthUser): Promise<TwoFactorSetupDto> {
    const row = await this.state(actor.id);
    if (row.two_factor_enabled_at) {
      throw new AppException('CONFLICT', 'Two-factor authentication is already on');
    }
    const secret = generateTotpSecret();
    await this.db.query(
      `UPDATE users SET two_factor_secret = $2, updated_at = now()
       WHERE id = $1 AND two_factor_enabled_at IS NULL`,
      [actor.id, this.encrypt(secret)],
    );
    return { otpauthUrl: otpauthUrl(this.app.name, row.email, secret), secret };
  }

  async enable(
    actor: AuthUser,
    code: string,
    client: ClientInfo,
  ): Promise<TwoFactorBackupCodesDto> {
    const row = await this.state(actor.id);
    if (row.two_factor_enabled_at) {
      throw new AppException('CONFLICT', 'Two-factor authentication is already on');
    }
    if (!row.two_factor_secret) {
      throw new AppException('CONFLICT', 'Start with POST /auth/2fa/setup');
    }
    if (!verifyTotp(this.decrypt(row.two_factor_secret), code.trim())) throw badCode();
    const backupCodes = Array.from({ length: BACKUP_CODES }, () => {
      const hex = randomBytes(5).toString('hex');
      return `${hex.slice(0, 5)}-${hex.slice(5)}`;
    });
    const enabled = await this.db.transaction(async (tx) => {
      const [, count] = (await tx.query(
        `UPDATE users SET two_factor_enabled_at = now(), updated_at = now()
         WHERE id = $1 AND two_factor_enabled_at IS NULL AND two_factor_secret = $2`,
        [actor.id, row.two_factor_secret],
      )) as [unknown, number];
      if (count !== 1) return false;
      await tx.query('DELETE FROM two_factor_backup_codes WHERE user_id = $1', [actor.id]);
      await tx.query(
        `INSERT INTO two_factor_backup_codes (user_id, code_hash)
         SELECT $1, unnest($2::text[])`,
        [actor.id, backupCodes.map((c) => sha256(normalizeBackupCode(c)))],
      );
      return true;
    });
    if (!enabled) throw new AppException('CONFLICT', 'Two-factor authentication changed meanwhile');
    this.events.emit('auth.2fa.enabled', { userId: actor.id });
    await this.alert(row.email, 'Two-factor authentication was turned on', client);
    return { backupCodes };
  }

  /** Needs the password and a current code (or a backup code). */
  async disable(
    actor: AuthUser,
    input: { password: string; code: string },
    client: ClientInfo,
  ): Promise<void> {
    const row = await this.state(actor.id);
    if (!row.two_factor_enabled_at || !row.two_factor_secret) {
      throw new AppException('CONFLICT', 'Two-factor authentication is not on');
    }
    const hashes: Array<{ password_hash: string }> = await this.db.query(
      'SELECT password_hash FROM users WHERE id = $1',
      [actor.id],
    );
    if (!(await this.passwords.verify(hashes[0]?.password_hash, input.password))) {
      throw new AppException('VALIDATION_FAILED', 'The password is incorrect', {
        errors: [{ field: 'password', message: 'password is incorrect' }],
      });
    }
    if ((await this.check(actor.id, row.two_factor_secret, input.code)) !== 'ok') throw badCode();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE users SET two_factor_secret = NULL, two_factor_enabled_at = NULL, updated_at = now()
         WHERE id = $1`,
        [actor.id],
      );
      await tx.query('DELETE FROM two_factor_backup_codes WHERE user_id = $1', [actor.id]);
    });
    this.events.emit('auth.2fa.disabled', { userId: actor.id });
    await this.alert(row.email, 'Two-factor authentication was turned off', client);
  }

  /** The second factor of a login whose password was right; a backup code is spent here. */
  async verifyLogin(userId: string, otp: string | undefined): Promise<SecondFactor> {
    const row = await this.state(userId);
    if (!row.two_factor_enabled_at || !row.two_factor_secret) return 'off';
    if (!otp?.trim()) return 'missing';
    return this.check(userId, row.two_factor_secret, otp);
  }

  async isEnabled(userId: string): Promise<boolean> {
    const rows: Array<{ on: boolean }> = await this.db.query(
      'SELECT two_factor_enabled_at IS NOT NULL AS on FROM users WHERE id = $1',
      [userId],
    );
    return rows[0]?.on === true;
  }

  private async check(userId: string, encrypted: string, code: string): Promise<'ok' | 'invalid'> {
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      return verifyTotp(this.decrypt(encrypted), trimmed) ? 'ok' : 'invalid';
    }
    const used: unknown[] = await this.db.query(
      `UPDATE two_factor_backup_codes SET used_at = now()
       WHERE id = (SELECT id FROM two_factor_backup_codes
                   WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1)
         AND used_at IS NULL
       RETURNING id`,
      [userId, sha256(normalizeBackupCode(trimmed))],
    );
    return (used[0] as unknown[] | undefined)?.length ? 'ok' : 'invalid';
  }

  private async state(userId: string): Promise<TwoFactorRow> {
    const rows: TwoFactorRow[] = await this.db.query(
      `SELECT email, two_factor_secret, two_factor_enabled_at FROM users
       WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    if (!rows[0]) throw new AppException('NOT_FOUND', 'User not found');
    return rows[0];
  }

  private async alert(email: string, event: string, client: ClientInfo): Promise<void> {
    try {
      await this.mail.send(email, 'security-alert', {
        event,
        when: new Date().toISOString(),
        ...(client.ip ? { ip: client.ip } : {}),
        ...(client.userAgent ? { userAgent: client.userAgent } : {}),
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not queue the security alert mail');
    }
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  private encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url'));
    return ['v1', ...parts].join('.');
  }

  private decrypt(stored: string): string {
    const [, iv, tag, data] = stored.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(data!), decipher.final()]).toString('utf8');
  }
}
