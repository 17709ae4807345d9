import type { DataSource } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import { type CliCommand, print } from '../cli-command.js';
import { withDataSource } from '../cli-runtime.js';

const nameOf = (migration: (typeof migrations)[number]): string =>
  new migration().name ?? migration.name;

/** Each migration of migrations/index.ts, in order, with whether it is applied. */
export async function migrationStatus(
  ds: DataSource,
): Promise<Array<{ name: string; applied: boolean }>> {
  const [{ exists }] = await ds.query<Array<{ exists: boolean }>>(
    `SELECT to_regclass('migrations') IS NOT NULL AS exists`,
  );
  const applied = new Set<string>(
    exists
      ? (await ds.query<Array<{ name: string }>>('SELECT name FROM migrations')).map((r) => r.name)
      : [],
  );
  return migrations.map((migration) => {
    const name = nameOf(migration);
    return { name, applied: applied.has(name) };
  });
}

export const migrationCommands: CliCommand[] = [
  {
    name: 'migrate',
    args: '',
    summary: 'apply pending migrations',
    run: () =>
      withDataSource(async (ds) => {
        const applied = await ds.runMigrations({ transaction: 'each' });
        print(
          applied.length
            ? `applied: ${applied.map((m) => m.name).join(', ')}`
            : 'no pending migrations',
        );
      }),
  },
  {
    name: 'migrate:revert',
    args: '',
    summary: 'revert the last applied migration',
    run: () =>
      withDataSource(async (ds) => {
        const before = (await migrationStatus(ds)).filter((m) => m.applied);
        await ds.undoLastMigration({ transaction: 'each' });
        const last = before.at(-1);
        print(last ? `reverted ${last.name}` : 'no applied migration to revert');
      }),
  },
  {
    name: 'migrate:status',
    args: '',
    summary: 'list every migration and whether it is applied',
    run: () =>
      withDataSource(async (ds) => {
        const status = await migrationStatus(ds);
        for (const { name, applied } of status) print(`${applied ? '[x]' : '[ ]'} ${name}`);
        const pending = status.filter((m) => !m.applied).length;
        print(pending ? `${pending} pending` : 'all migrations are applied');
      }),
  },
];
