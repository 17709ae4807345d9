import { hash, verify, Algorithm } from '@node-rs/argon2';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../../config/auth.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/** argon2id hashing with configurable (OWASP default) cost, and the strength rules. */
@Injectable()
export class PasswordService {
  // Verified against when the email is unknown, so both paths cost one argon2 verification.
  private dummyHash?: Promise<string>;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: Algorithm.Argon2id, ...this.config.argon2 });
  }

  /**
   * False for a wrong password and for an account without one (unknown, or OpenID only), after
   * the same argon2 work either way: the answer's timing tells nothing.
   */
  async verify(passwordHash: string | null | undefined, password: string): Promise<boolean> {
    const known = typeof passwordHash === 'string' && passwordHash !== '';
    const target = known
      ? passwordHash
      : await (this.dummyHash ??= this.hash('not-a-real-password'));
    try {
      return (await verify(target, password)) && known;
    } catch {
      return false;
    }
  }

  /** Throws VALIDATION_FAILED naming `field` when the password is too weak. */
  assertStrong(password: string, field: string, email?: string): void {
    const problem = this.weakness(password, email);
    if (problem) {
      throw new AppException('VALIDATION_FAILED', 'The password is too weak', {
        errors: [{ field, message: problem }],
      });
    }
  }

  private weakness(password: string, email?: string): string | undefined {
    if (password.length < PASSWORD_MIN_LENGTH) {
      return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
    }
    if (password.length > PASSWORD_MAX_LENGTH) {
      return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
    }
    const lower = password.toLowerCase();
    if (COMMON_PASSWORDS.has(lower)) return 'is too common';
    if (new Set(lower).size < 4) return 'is too repetitive';
    const local = email?.split('@')[0]?.toLowerCase();
    if (local && local.length >= 4 && lower.includes(local)) return 'must not contain your email';
    return undefined;
  }
}
