import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_BATCH_SIZE } from '../../src/modules/audit/audit-export.service.js';
import { login, registerUser, uniqueEmail, FAST_AUTH } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';

const ADMIN_PASSWORD = 'the keyset export admin passphrase';
/** More rows than two export pages, so the keyset is followed across pages. */
const ROWS = EXPORT_BATCH_SIZE * 2 + 537;

/**
 * Every keyset loop returns each row exactly once. The ids are moved to just below a power of
 * ten so a page boundary falls across a change of digit count (9 999 999 -> 10 000 000), where
 * a text ordering of ids and a numeric `id >` condition disagree.
 */
describe('keyset exports: every row exactly once', () => {
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  const adminEmail = uniqueEmail('keyset-admin');

  beforeAll(async () => {
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD,
        EXPORT_DIR: await mkdtemp(join(tmpdir(), 'keyset-exports-')),
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  /** Inserts `ROWS` entries whose ids straddle the next power of ten; returns their ids. */
  async function seed(tag: string, actorId: string | null): Promise<string[]> {
    const [{ max }]: Array<{ max: string }> = await db.query(
      'SELECT COALESCE(max(id), 0)::text AS max FROM audit_log',
    );
    const boundary = 10 ** (String(BigInt(max) + BigInt(ROWS)).length + 1);
    await db.query(`SELECT setval('audit_log_id_seq', $1)`, [boundary - 1_200]);
    const rows: Array<{ id: string }> = await db.query(
      `INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, status, description)
       SELECT now() - make_interval(secs => g), $1::uuid, $2, $3, 'success', 'row ' || g
       FROM generate_series(1, $4) g RETURNING id::text AS id`,
      [actorId, actorId ? 'user' : 'system', tag, ROWS],
    );
    const ids = rows.map((r) => r.id);
    expect(ids.some((id) => id.length < String(boundary).length)).toBe(true);
    expect(ids.some((id) => id.length === String(boundary).length)).toBe(true);
    return ids;
  }

  const waitDone = (token: string, jobId: string) =>
    eventually(async () => {
      const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
      expect(res.json().status, res.body).toBe('completed');
      return res.json() as { result: { downloadPath: string; rows?: number } };
    }, 30_000);

  const sorted = (ids: string[]) => [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

  it('audit export (CSV and JSON, filtered) holds each matching row once, in id order', async () => {
    const tag = `keyset.${randomUUID()}`;
    const ids = await seed(tag, null);
    for (const format of ['csv', 'json'] as const) {
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: adminToken,
        payload: { format, filter: { action: tag } },
      });
      expect(res.statusCode, res.body).toBe(202);
      const status = await waitDone(adminToken, res.json().jobId as string);
      expect(status.result.rows).toBe(ROWS);
      const file = await t.rest({ url: status.result.downloadPath, token: adminToken });
      expect(file.statusCode).toBe(200);
      const exported =
        format === 'json'
          ? (file.json() as Array<{ id: string }>).map((r) => r.id)
          : file.body
              .split('\r\n')
              .slice(1)
              .filter(Boolean)
              .map((line) => line.split(',')[0]);
      expect(exported).toHaveLength(ROWS);
      expect(new Set(exported).size).toBe(ROWS);
      expect(exported).toEqual(sorted(ids));
    }
  });

  it('GDPR export holds each of the user’s audit entries once', async () => {
    const user = await registerUser(t);
    const tag = `keyset-gdpr.${randomUUID()}`;
    const ids = await seed(tag, user.id);
    const res = await t.rest({ url: '/api/v1/users/me/export', token: user.accessToken });
    expect(res.statusCode, res.body).toBe(202);
    const status = await waitDone(user.accessToken, res.json().jobId as string);
    const file = await t.rest({ url: status.result.downloadPath, token: user.accessToken });
    const entries = (file.json().auditLog as Array<{ id: string; action: string }>).filter(
      (e) => e.action === tag,
    );
    expect(entries).toHaveLength(ROWS);
    expect(entries.map((e) => e.id)).toEqual(sorted(ids));
  });
});
