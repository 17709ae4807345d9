import { getQueueToken } from '@nestjs/bullmq';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRetentionService } from '../../src/modules/audit/audit-retention.service.js';
import { csvCell } from '../../src/modules/audit/audit-csv.js';
import { login, registerUser, uniqueEmail, FAST_AUTH } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { registeredScheduler } from '../support/schedulers.js';

const ADMIN_PASSWORD = 'the audit export admin passphrase';

describe('audit retention and export', () => {
  let t: TestApp;
  let db: DataSource;
  let adminToken: string;
  let exportDir: string;
  const adminEmail = uniqueEmail('audit-export-admin');

  beforeAll(async () => {
    exportDir = await mkdtemp(join(tmpdir(), 'audit-exports-'));
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD,
        EXPORT_DIR: exportDir,
        AUDIT_RETENTION_DAYS: '30',
      },
    });
    db = t.app.get<DataSource>(getDataSourceToken());
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
  });
  afterAll(async () => {
    await t?.close();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  const insert = (action: string, daysAgo: number, description = 'seeded') =>
    db.query(
      `INSERT INTO audit_log (occurred_at, actor_type, action, status, description)
       VALUES (now() - make_interval(days => $1), 'system', $2, 'success', $3)`,
      [daysAgo, action, description],
    );

  describe('retention', () => {
    it('deletes only entries older than the window, in batches', async () => {
      const tag = `retention.${randomUUID()}`;
      for (let i = 0; i < 5; i++) await insert(tag, 31 + i);
      for (let i = 0; i < 3; i++) await insert(tag, 29 - i);
      const deleted = await t.app.get(AuditRetentionService).deleteExpired(2);
      expect(deleted).toBeGreaterThanOrEqual(5);
      const left: Array<{ n: number }> = await db.query(
        'SELECT count(*)::int AS n FROM audit_log WHERE action = $1',
        [tag],
      );
      expect(left[0].n).toBe(3);
    });

    it('is the only delete the database allows: UPDATE, DELETE and TRUNCATE are refused', async () => {
      const tag = `append-only.${randomUUID()}`;
      await insert(tag, 400, 'original');
      const count = async (): Promise<number> =>
        (
          (await db.query(
            `SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND description = 'original'`,
            [tag],
          )) as Array<{ n: number }>
        )[0].n;
      for (const sql of [
        `UPDATE audit_log SET description = 'rewritten' WHERE action = '${tag}'`,
        `DELETE FROM audit_log WHERE action = '${tag}'`,
        'TRUNCATE audit_log',
      ]) {
        await expect(db.query(sql)).rejects.toMatchObject({
          driverError: { code: '42501', message: expect.stringContaining('append-only') },
        });
      }
      // Setting the flag outside a transaction (is_local) lasts for nothing.
      await db.query(`SELECT set_config('audit.retention', 'on', true)`);
      await expect(db.query(`DELETE FROM audit_log WHERE action = '${tag}'`)).rejects.toThrow(
        /append-only/,
      );
      expect(await count()).toBe(1);
      // The retention job still can (the entry is older than AUDIT_RETENTION_DAYS).
      await t.app.get(AuditRetentionService).deleteExpired();
      expect(await count()).toBe(0);
    });

    it('schedules the retention daily in worker processes', async () => {
      const queue = t.app.get<Queue>(getQueueToken('audit'));
      const scheduler = await registeredScheduler(queue, 'audit-retention-daily');
      expect(scheduler).toMatchObject({ name: 'audit-retention', pattern: '47 3 * * *' });
    });
  });

  describe('export', () => {
    const tag = `export.${randomUUID()}`;
    const tricky = ['=SUM(A1)', 'a, "quoted"\nline', '+1', '-2', '@cmd', 'plain'];

    beforeAll(async () => {
      for (const description of tricky) await insert(tag, 1, description);
    });

    const waitDone = (token: string, jobId: string) =>
      eventually(async () => {
        const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
        expect(res.statusCode).toBe(200);
        expect(res.json().status).toBe('completed');
        return res.json() as {
          progress: number;
          result: { downloadPath: string; rows: number };
        };
      });

    it('escapes CSV cells and neutralises formulas', () => {
      expect(csvCell('=1+1')).toBe("'=1+1");
      expect(csvCell('a,b')).toBe('"a,b"');
      expect(csvCell('say "hi"')).toBe('"say ""hi"""');
      expect(csvCell('x\ny')).toBe('"x\ny"');
      expect(csvCell(null)).toBe('');
    });

    it('exports CSV over REST for the requester only', async () => {
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: adminToken,
        payload: { format: 'csv', filter: { action: tag } },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { jobId } = res.json() as { jobId: string };
      expect(res.headers.location).toBe(`/api/v1/jobs/${jobId}`);
      const status = await waitDone(adminToken, jobId);
      expect(status.progress).toBe(100);
      expect(status.result.rows).toBe(tricky.length);
      expect(status.result.downloadPath).toBe(`/api/v1/audit-logs/exports/${jobId}/download`);

      const file = await t.rest({ url: status.result.downloadPath, token: adminToken });
      expect(file.statusCode, file.body).toBe(200);
      expect(file.headers['content-type']).toMatch(/^text\/csv/);
      const body = file.body;
      expect(body.split('\r\n')[0]).toMatch(/^id,occurred_at,actor_id/);
      expect(body).toContain(`,'=SUM(A1)\r\n`);
      expect(body).toContain(`,"a, ""quoted""\nline"\r\n`);
      expect(body).toContain(`,'+1\r\n`);
      expect(body).toContain(`,'-2\r\n`);
      expect(body).toContain(`,'@cmd\r\n`);

      const other = await registerUser(t);
      const promote = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${other.id}/roles`,
        token: adminToken,
        payload: { role: 'admin' },
      });
      expect(promote.statusCode, promote.body).toBeLessThan(300);
      const otherToken = (await login(t, other.email, other.password)).accessToken;
      const denied = await t.rest({ url: status.result.downloadPath, token: otherToken });
      expect(denied.statusCode).toBe(404);
    });

    it('exports JSON over GraphQL', async () => {
      const res = await t.gql(
        'mutation E($input: AuditLogExportInput!) { exportAuditLogs(input: $input) { jobId } }',
        { variables: { input: { format: 'json', filter: { action: tag } } }, token: adminToken },
      );
      const body = res.json() as { data?: { exportAuditLogs: { jobId: string } } };
      expect(body.data?.exportAuditLogs.jobId, res.body).toBeDefined();
      const jobId = body.data!.exportAuditLogs.jobId;
      const status = await waitDone(adminToken, jobId);
      expect(status.progress).toBe(100);
      const file = await t.rest({ url: status.result.downloadPath, token: adminToken });
      expect(file.statusCode).toBe(200);
      const rows = file.json() as Array<{ action: string; description: string }>;
      expect(rows).toHaveLength(tricky.length);
      expect(rows.map((r) => r.description).sort()).toEqual([...tricky].sort());
    });

    const auditJobs = async (): Promise<number> =>
      (await t.app.get<Queue>(getQueueToken('audit')).getJobs()).filter(
        (job) => job.name === 'audit-export',
      ).length;

    it.each([
      ['an empty array', []],
      ['an array of filters', [{ action: 'auth.' }]],
      ['a string', 'auth.'],
      ['a number', 5],
      ['a boolean', true],
    ])('refuses a filter that is %s: 400 on filter, nothing queued (REST)', async (_l, filter) => {
      const before = await auditJobs();
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: adminToken,
        payload: { format: 'csv', filter },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors).toContainEqual({
        field: 'filter',
        message: 'filter must be an object',
      });
      expect(await auditJobs()).toBe(before);
    });

    it.each([
      ['an empty array', []],
      ['an array of filters', [{ action: 'auth.' }]],
      ['a string', 'auth.'],
    ])('refuses a filter that is %s over GraphQL, nothing queued', async (_l, filter) => {
      // The schema types `filter` as an input object: coercion refuses it before any resolver.
      const before = await auditJobs();
      const res = await t.gql(
        'mutation E($input: AuditLogExportInput!) { exportAuditLogs(input: $input) { jobId } }',
        { variables: { input: { format: 'csv', filter } }, token: adminToken },
      );
      const body = res.json() as {
        data?: unknown;
        errors: Array<{ message: string; extensions: { code: string } }>;
      };
      expect(res.statusCode, res.body).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors[0].message).toMatch(
        /at "input\.filter"; Expected type "AuditLogFilter" to be an object/,
      );
      expect(await auditJobs()).toBe(before);
    });

    it('answers the download of a failed export 410 EXPORT_FAILED; a retry clears its stale .part', async () => {
      // An admin of their own, whose export directory is blocked by a file: every attempt fails.
      const user = await registerUser(t);
      const promote = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${user.id}/roles`,
        token: adminToken,
        payload: { role: 'admin' },
      });
      expect(promote.statusCode, promote.body).toBeLessThan(300);
      const token = (await login(t, user.email, user.password)).accessToken;
      const userDir = join(exportDir, 'audit', user.id);
      await mkdir(join(exportDir, 'audit'), { recursive: true });
      await writeFile(userDir, 'not a directory');

      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token,
        payload: { format: 'json', filter: { action: tag } },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { jobId } = res.json() as { jobId: string };
      const status = await eventually(async () => {
        const job = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
        expect(job.json().status).toBe('failed');
        return job.json() as { attempts: number; error?: string };
      });
      expect(status.attempts).toBe(3);
      expect(status.error).toBeTruthy();

      const download = `/api/v1/audit-logs/exports/${jobId}/download`;
      const failed = await t.rest({ url: download, token });
      expect(failed.statusCode, failed.body).toBe(410);
      expect(failed.json()).toMatchObject({
        code: 'EXPORT_FAILED',
        status: 410,
        detail: 'The export failed; start a new one',
      });
      expect(await readFile(userDir, 'utf8')).toBe('not a directory');
      expect((await t.rest({ url: download, token: adminToken })).statusCode).toBe(404);

      await rm(userDir);
      await mkdir(userDir);
      const stale = `${jobId}.json.${randomUUID()}.part`;
      const otherJob = `${randomUUID()}.json.${randomUUID()}.part`;
      await writeFile(join(userDir, stale), '[{"half":');
      await writeFile(join(userDir, otherJob), '[{"other":');
      const job = await t.app.get<Queue>(getQueueToken('audit')).getJob(jobId);
      await job!.retry();
      await waitDone(token, jobId);
      expect((await readdir(userDir)).sort()).toEqual([`${jobId}.json`, otherJob].sort());
      const ok = await t.rest({ url: download, token });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toHaveLength(tricky.length);
    });

    it('forbids a plain user to export', async () => {
      const user = await registerUser(t);
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: user.accessToken,
        payload: { format: 'csv' },
      });
      expect(res.statusCode).toBe(403);
      const bad = await t.rest({
        method: 'POST',
        url: '/api/v1/audit-logs/exports',
        token: adminToken,
        payload: { format: 'xml' },
      });
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('admin actions', () => {
    const entries = (action: string, entityId: string) =>
      eventually(async () => {
        const rows: Array<Record<string, unknown>> = await db.query(
          'SELECT * FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id',
          [action, entityId],
        );
        expect(rows.length).toBeGreaterThan(0);
        return rows;
      });

    it('records admin mutations over REST, successes and failures', async () => {
      const user = await registerUser(t);
      const ok = await t.rest({
        method: 'PATCH',
        url: `/api/v1/admin/users/${user.id}`,
        token: adminToken,
        payload: { firstName: 'Audited' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const [row] = await entries('user.updated', user.id);
      expect(row).toMatchObject({ status: 'success', entity_type: 'user' });
      expect(row.actor_id).toBeTruthy();
      expect(row.old_values).toEqual({ firstName: null });
      expect(row.new_values).toEqual({ firstName: 'Audited' });

      const missing = randomUUID();
      const bad = await t.rest({
        method: 'POST',
        url: `/api/v1/admin/users/${missing}/ban`,
        token: adminToken,
        payload: { reason: 'spam' },
      });
      expect(bad.statusCode).toBe(404);
      const [failed] = await entries('user.ban.failed', missing);
      expect(failed.status).toBe('failure');
      expect(failed.description).toContain('NOT_FOUND');
    });

    it('records admin mutations over GraphQL', async () => {
      const user = await registerUser(t);
      const res = await t.gql(
        'mutation B($input: AdminBanUserInput!) { adminBanUser(input: $input) { id } }',
        { variables: { input: { userId: user.id, reason: 'abuse' } }, token: adminToken },
      );
      expect(res.json().errors, res.body).toBeUndefined();
      const [row] = await entries('user.banned', user.id);
      expect(row).toMatchObject({ status: 'success' });
      expect(row.old_values).toEqual({ bannedAt: null, banReason: null });
      expect(row.new_values).toMatchObject({ banReason: 'abuse', bannedAt: expect.any(String) });
    });
  });
});
