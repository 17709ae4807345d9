import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Placeholder: filled in by the audit work (issue 4). */
export class AuditIndexes1763900000006 implements MigrationInterface {
  name = 'AuditIndexes1763900000006';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
