import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { authConfig } from '../../config/auth.config.js';
import { PasswordService } from './password.service.js';

export type EnsureAdminResult = 'created' | 'promoted' | 'unchanged';

/**
 * Makes sure an admin account exists for `email`: creates it (email verified, roles user and
 * admin) or adds the admin role to an existing account. The password must pass the usual
 * strength rules; it is never logged. Used by ADMIN_EMAIL/ADMIN_PASSWORD at start and by the CLI.
 */
export async function ensureAdmin(
  dataSource: DataSource,
  passwords: PasswordService,
  email: string,
  password: string,
): Promise<EnsureAdminResult> {
  passwords.assertStrong(password, 'ADMIN_PASSWORD', email);
  const passwordHash = await passwords.hash(password);
  return dataSource.transaction(async (tx) => {
    const inserted: Array<{ id: string }> = await tx.query(
      `INSERT INTO users (email, password_hash, email_verified_at) VALUES ($1, $2, now())
       ON CONFLICT DO NOTHING RETURNING id`,
      [email, passwordHash],
    );
    const [{ id }] = inserted.length
      ? inserted
      : ((await tx.query('SELECT id FROM users WHERE email = $1', [email])) as Array<{
          id: string;
        }>);
    const granted: unknown[] = await tx.query(
      `INSERT INTO user_roles (user_id, role_id)
       SELECT $1, id FROM roles WHERE name IN ('user', 'admin') ON CONFLICT DO NOTHING RETURNING role_id`,
      [id],
    );
    if (inserted.length) return 'created';
    return granted.length ? 'promoted' : 'unchanged';
  });
}

/** ADMIN_EMAIL + ADMIN_PASSWORD: the first admin, created at start if missing. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const result = await ensureAdmin(this.dataSource, this.passwords, admin.email, admin.password);
    if (result !== 'unchanged')
      this.logger.log({ email: admin.email, result }, 'admin account ensured');
  }
}
