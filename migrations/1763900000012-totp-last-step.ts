import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last TOTP time step accepted for the user's secret: a code whose step is not later is
 * refused (RFC 6238 §5.2), so a code cannot be used twice inside its window.
 */
export class TotpLastStep1763900000012 implements MigrationInterface {
  name = 'TotpLastStep1763900000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN totp_last_step bigint');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN IF EXISTS totp_last_step');
  }
}
