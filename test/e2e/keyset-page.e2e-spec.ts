import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysetPage, SqlConditions } from '../../src/core/database/keyset-page.js';
import { bootApp, type TestApp } from '../support/app.js';

/** The shared list query of the repositories (files, audit, ...), on a table of its own. */
describe('keysetPage: a page and its total in one prepared round trip', () => {
  let t: TestApp;
  let db: DataSource;
  const page = (owner: string, limit: number, after?: { key: string; id: string }, cap?: number) =>
    keysetPage<{ id: string; owner: string }>(
      db.manager,
      {
        columns: 'k.id, k.owner',
        from: 'keyset_probe k',
        where: new SqlConditions().add('k.owner = ?', owner),
        sortColumn: 'k.created_at',
        idColumn: 'k.id',
        idType: 'bigint',
        direction: 'DESC',
        ...(cap ? { countCap: cap } : {}),
      },
      limit,
      after,
    );

  beforeAll(async () => {
    t = await bootApp();
    db = t.app.get<DataSource>(getDataSourceToken());
    await db.query(`CREATE TABLE IF NOT EXISTS keyset_probe (
      id bigint PRIMARY KEY, owner text NOT NULL, created_at timestamptz NOT NULL)`);
    await db.query('TRUNCATE keyset_probe');
    // Seven rows within one millisecond (a JS Date cannot tell them apart), two ties on time.
    await db.query(`INSERT INTO keyset_probe (id, owner, created_at) VALUES
      (1, 'a', '2026-01-01T00:00:00.000100Z'), (2, 'a', '2026-01-01T00:00:00.000200Z'),
      (3, 'a', '2026-01-01T00:00:00.000200Z'), (4, 'a', '2026-01-01T00:00:00.000300Z'),
      (5, 'a', '2026-01-01T00:00:00.000400Z'), (6, 'a', '2026-01-01T00:00:00.000400Z'),
      (7, 'a', '2026-01-01T00:00:00.000900Z'), (8, 'b', '2026-01-01T00:00:00.000500Z')`);
  });
  afterAll(async () => {
    await db?.query('DROP TABLE IF EXISTS keyset_probe');
    await t?.close();
  });

  it('walks every row once, newest first, with the total on every page', async () => {
    const seen: string[] = [];
    let after: { key: string; id: string } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const { rows, total } = await page('a', 2, after);
      expect(total).toBe(7);
      const visible = rows.slice(0, 2);
      seen.push(...visible.map((r) => r.id));
      if (rows.length <= 2) break;
      const last = visible[visible.length - 1]!;
      after = { key: last.sortKey, id: last.id };
    }
    expect(seen).toEqual(['7', '6', '5', '4', '3', '2', '1']);
  });

  it('prints the sort key to the microsecond', async () => {
    const { rows } = await page('a', 1);
    expect(rows[0]).toMatchObject({ id: '7', owner: 'a', sortKey: '2026-01-01T00:00:00.000900Z' });
    // The total stays on each row (removing it costs more than mapping the row); callers map
    // rows to DTOs field by field, which audit.e2e-spec.ts checks for a REST list.
    expect(rows[0]).toHaveProperty('total', 7);
  });

  it('answers an empty page with the total, and nothing for an unknown owner', async () => {
    const beyond = await page('a', 5, { key: '2025-01-01T00:00:00.000000Z', id: '0' });
    expect(beyond).toEqual({ rows: [], total: 7 });
    expect(await page('nobody', 5)).toEqual({ rows: [], total: 0 });
  });

  it('caps the total at countCap', async () => {
    expect((await page('a', 1, undefined, 3)).total).toBe(3);
    expect((await page('b', 1, undefined, 3)).total).toBe(1);
  });
});
