import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { appConfig } from '../../config/app.config.js';
import { securityConfig } from '../../config/security.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { sha256 } from './crypto.js';
import type { TwoFactorBackupCodesDto, TwoFactorSetupDto } from './dto/two-factor.dto.js';
import { PasswordService } from './password.service.js';
import { acceptedTotpStep, generateTotpSecret, otpauthUrl } from './totp.js';
import { type TwoFactorState, TwoFactorRepository } from './two-factor.repository.js';
import { UsersRepository } from './users.repository.js';

const BACKUP_CODES = 10;
const DEV_FALLBACK_SECRET = 'nest-starter insecure development two-factor key';

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
  private readonly key: Buffer;

  constructor(
    private readonly twoFactor: TwoFactorRepository,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly events: EventBus,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {
    const material = security.signingSecret ?? security.jwtSecret ?? DEV_FALLBACK_SECRET;
    this.key = Buffer.from(hkdfSync('sha256', material, '', 'two-factor-secret/v1', 32));
  }

  /** A new pending secret (replacing any earlier pending one); enabled only by `enable`. */
  async setup(actor: AuthUser): Promise<TwoFactorSetupDto> {
    const state = await this.state(actor.id);
    if (state.enabledAt) {
      throw new AppException('CONFLICT', 'Two-factor authentication is already on');
    }
    const secret = generateTotpSecret();
    await this.twoFactor.savePendingSecret(actor.id, this.encrypt(secret));
    return { otpauthUrl: otpauthUrl(this.app.name, state.email, secret), secret };
  }

  async enable(actor: AuthUser, code: string): Promise<TwoFactorBackupCodesDto> {
    const state = await this.state(actor.id);
    if (state.enabledAt) {
      throw new AppException('CONFLICT', 'Two-factor authentication is already on');
    }
    if (!state.secret) {
      throw new AppException('CONFLICT', 'Start with POST /auth/2fa/setup');
    }
    const step = acceptedTotpStep(this.decrypt(state.secret), code.trim(), {
      afterStep: state.lastStep,
    });
    if (step === undefined) throw badCode();
    const backupCodes = Array.from({ length: BACKUP_CODES }, () => {
      const hex = randomBytes(5).toString('hex');
      return `${hex.slice(0, 5)}-${hex.slice(5)}`;
    });
    const hashes = backupCodes.map((c) => sha256(normalizeBackupCode(c)));
    if (!(await this.twoFactor.enable(actor.id, state.secret, step, hashes))) {
      throw new AppException('CONFLICT', 'Two-factor authentication changed meanwhile');
    }
    this.events.emit('auth.2fa.enabled', { userId: actor.id });
    return { backupCodes };
  }

  /** Needs the password and a current code (or a backup code). */
  async disable(actor: AuthUser, input: { password: string; code: string }): Promise<void> {
    const state = await this.state(actor.id);
    if (!state.enabledAt || !state.secret) {
      throw new AppException('CONFLICT', 'Two-factor authentication is not on');
    }
    const passwordHash = await this.users.getPasswordHash(actor.id);
    if (!(await this.passwords.verify(passwordHash, input.password))) {
      throw new AppException('VALIDATION_FAILED', 'The password is incorrect', {
        errors: [{ field: 'password', message: 'password is incorrect' }],
      });
    }
    if ((await this.check(actor.id, state, input.code)) !== 'ok') throw badCode();
    await this.twoFactor.disable(actor.id);
    this.events.emit('auth.2fa.disabled', { userId: actor.id });
  }

  /**
   * The second factor of a login whose password was right; a backup code is spent here.
   * `deleted`: the account is soft-deleted (its restore needs the second factor too).
   */
  async verifyLogin(
    userId: string,
    otp: string | undefined,
    { deleted = false }: { deleted?: boolean } = {},
  ): Promise<SecondFactor> {
    const state = await this.state(userId, deleted);
    if (!state.enabledAt || !state.secret) return 'off';
    if (!otp?.trim()) return 'missing';
    return this.check(userId, state, otp);
  }

  isEnabled(userId: string): Promise<boolean> {
    return this.twoFactor.isEnabled(userId);
  }

  /** A replayed TOTP code (its step already accepted) is as invalid as a wrong one. */
  private async check(
    userId: string,
    state: TwoFactorState,
    code: string,
  ): Promise<'ok' | 'invalid'> {
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      const step = acceptedTotpStep(this.decrypt(state.secret!), trimmed, {
        afterStep: state.lastStep,
      });
      if (step === undefined) return 'invalid';
      return (await this.twoFactor.claimTotpStep(userId, step)) ? 'ok' : 'invalid';
    }
    const spent = await this.twoFactor.spendBackupCode(
      userId,
      sha256(normalizeBackupCode(trimmed)),
    );
    return spent ? 'ok' : 'invalid';
  }

  private async state(userId: string, deleted = false): Promise<TwoFactorState> {
    const state = await this.twoFactor.getState(userId, deleted);
    if (!state) throw new AppException('NOT_FOUND', 'User not found');
    return state;
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
