import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, type Repository } from 'typeorm';
import { TwoFactorBackupCodeEntity } from './two-factor-backup-code.entity.js';
import { UserEntity } from './user.entity.js';

export interface TwoFactorState {
  email: string;
  /** Encrypted; null before setup. */
  secret: string | null;
  enabledAt: Date | null;
  lastStep: number | null;
}

/** The two-factor columns of `users` and the backup codes; live (not deleted) users, unless asked. */
@Injectable()
export class TwoFactorRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(TwoFactorBackupCodeEntity)
    private readonly backupCodes: Repository<TwoFactorBackupCodeEntity>,
  ) {}

  /** `deleted`: the state of a soft-deleted account instead (for its restore). */
  async getState(userId: string, deleted = false): Promise<TwoFactorState | undefined> {
    const user = await this.users.findOne({
      select: { email: true, twoFactorSecret: true, twoFactorEnabledAt: true, totpLastStep: true },
      where: { id: userId, deletedAt: deleted ? Not(IsNull()) : IsNull() },
    });
    if (!user) return undefined;
    return {
      email: user.email,
      secret: user.twoFactorSecret,
      enabledAt: user.twoFactorEnabledAt,
      lastStep: user.totpLastStep,
    };
  }

  isEnabled(userId: string): Promise<boolean> {
    return this.users.exists({
      where: { id: userId, twoFactorEnabledAt: Not(IsNull()) },
    });
  }

  /** A new pending secret, unless two-factor is on; earlier steps belong to the old secret. */
  async savePendingSecret(userId: string, encryptedSecret: string): Promise<void> {
    await this.users.update(
      { id: userId, twoFactorEnabledAt: IsNull() },
      { twoFactorSecret: encryptedSecret, totpLastStep: null },
    );
  }

  /**
   * Turns two-factor on with the pending secret the code was checked against (false when it
   * changed meanwhile), records the code's step and replaces the backup codes, in one transaction.
   */
  enable(
    userId: string,
    encryptedSecret: string,
    acceptedStep: number,
    backupCodeHashes: string[],
  ): Promise<boolean> {
    return this.users.manager.transaction(async (tx) => {
      const { affected } = await tx
        .createQueryBuilder()
        .update(UserEntity)
        .set({ twoFactorEnabledAt: () => 'now()', totpLastStep: acceptedStep })
        .where('id = :userId AND two_factor_enabled_at IS NULL AND two_factor_secret = :secret', {
          userId,
          secret: encryptedSecret,
        })
        .andWhere('(totp_last_step IS NULL OR totp_last_step < :step)', { step: acceptedStep })
        .execute();
      if (affected !== 1) return false;
      await tx.delete(TwoFactorBackupCodeEntity, { userId });
      await tx.insert(
        TwoFactorBackupCodeEntity,
        backupCodeHashes.map((codeHash) => ({ userId, codeHash })),
      );
      return true;
    });
  }

  async disable(userId: string): Promise<void> {
    await this.users.manager.transaction(async (tx) => {
      await tx.update(
        UserEntity,
        { id: userId },
        { twoFactorSecret: null, twoFactorEnabledAt: null, totpLastStep: null },
      );
      await tx.delete(TwoFactorBackupCodeEntity, { userId });
    });
  }

  /**
   * Records `step` as the last accepted one if it is later than the stored one. The condition
   * lives in the UPDATE, so of two concurrent logins with one code only one can win.
   */
  async claimTotpStep(userId: string, step: number): Promise<boolean> {
    const { affected } = await this.users
      .createQueryBuilder()
      .update()
      // A login is not a profile change: updated_at stays as it was.
      .set({ totpLastStep: step, updatedAt: () => 'updated_at' })
      .where('id = :userId AND (totp_last_step IS NULL OR totp_last_step < :step)', {
        userId,
        step,
      })
      .execute();
    return affected === 1;
  }

  /** Marks one unused backup code with this hash used; false when there is none. */
  async spendBackupCode(userId: string, codeHash: string): Promise<boolean> {
    const { affected } = await this.backupCodes
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where(
        `id = (SELECT id FROM two_factor_backup_codes
               WHERE user_id = :userId AND code_hash = :codeHash AND used_at IS NULL LIMIT 1)`,
        { userId, codeHash },
      )
      .andWhere('used_at IS NULL')
      .execute();
    return affected === 1;
  }
}
