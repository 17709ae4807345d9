import { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { bootApp, type TestApp } from '../support/app.js';
import { TestFeatureModule } from '../support/test-feature.module.js';

describe('database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      env: { DB_POOL_SIZE: '7', DB_STATEMENT_TIMEOUT_MS: '200' },
      extraModules: [TestFeatureModule],
    });
  });
  afterAll(() => t.close());

  it('applies every migration at start (DB_MIGRATE_ON_START)', async () => {
    const ds = t.app.get<DataSource>(getDataSourceToken());
    const rows: Array<{ name: string }> = await ds.query('SELECT name FROM migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    expect(await ds.showMigrations()).toBe(false);
  });

  it('sizes the pool from DB_POOL_SIZE', async () => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.body).toMatch(/db_pool_connections\{state="max"\} 7/);
  });

  it('cancels a statement over DB_STATEMENT_TIMEOUT_MS and answers 500 INTERNAL without SQL', async () => {
    const res = await t.rest({ url: '/api/v1/test/sleep-query?seconds=2' });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('INTERNAL');
    expect(res.body).not.toMatch(/pg_sleep|statement timeout|canceling/i);
  });

  it('runs statements under the timeout normally', async () => {
    const res = await t.rest({ url: '/api/v1/test/sleep-query?seconds=0.01' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ slept: 0.01 });
  });
});
