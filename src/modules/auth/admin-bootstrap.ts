import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { DataSource } from 'typeorm';
import { authConfig } from '../../config/auth.config.js';
import { PasswordService } from './password.service.js';
import { ensureAdminAccount, type EnsureAdminResult, UsersRepository } from './users.repository.js';

export type { EnsureAdminResult };

/**
 * Makes sure an admin account exists for `email`: creates it (email verified, roles user and
 * admin) or adds the admin role to an existing account. The password must pass the usual
 * strength rules; it is never logged. Used by the CLI, on a plain data source.
 */
export async function ensureAdmin(
  dataSource: DataSource,
  passwords: PasswordService,
  email: string,
  password: string,
): Promise<EnsureAdminResult> {
  return ensureAdminAccount(dataSource.manager, email, await adminHash(passwords, email, password));
}

function adminHash(passwords: PasswordService, email: string, password: string): Promise<string> {
  passwords.assertStrong(password, 'ADMIN_PASSWORD', email);
  return passwords.hash(password);
}

/** ADMIN_EMAIL + ADMIN_PASSWORD: the first admin, created at start if missing. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const hash = await adminHash(this.passwords, admin.email, admin.password);
    const result = await this.users.ensureAdmin(admin.email, hash);
    if (result !== 'unchanged')
      this.logger.log({ email: admin.email, result }, 'admin account ensured');
  }
}
