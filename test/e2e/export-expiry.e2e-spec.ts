import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import {
  lstat,
  lutimes,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.schema.js';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { ExportsService } from '../../src/core/exports/exports.service.js';
import { login, registerUser, uniqueEmail, FAST_AUTH } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { registeredScheduler } from '../support/schedulers.js';

const ADMIN_PASSWORD = 'the export expiry admin passphrase';
const HOUR_MS = 3_600_000;
const TTL_HOURS = 24;

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

describe('export expiry', () => {
  let t: TestApp;
  let exportDir: string;
  let outside: string;
  let adminToken: string;
  let adminId: string;
  const adminEmail = uniqueEmail('export-expiry-admin');

  beforeAll(async () => {
    exportDir = await mkdtemp(join(tmpdir(), 'export-expiry-'));
    // A sibling sharing EXPORT_DIR's name as a prefix: a naive startsWith check would reach it.
    outside = `${exportDir}-outside`;
    await mkdir(outside);
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD,
        EXPORT_DIR: exportDir,
        EXPORT_TTL_HOURS: String(TTL_HOURS),
      },
    });
    adminToken = (await login(t, adminEmail, ADMIN_PASSWORD)).accessToken;
    adminId = (await t.rest({ url: '/api/v1/users/me', token: adminToken })).json().id as string;
  });
  afterAll(async () => {
    await t?.close();
    for (const dir of [exportDir, outside])
      if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ago = (hours: number): Date => new Date(Date.now() - hours * HOUR_MS);
  /** Writes a file (creating its directory) last modified `hours` ago. */
  const seed = async (path: string, hours: number): Promise<string> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `{"seeded":"${path}"}`);
    await utimes(path, ago(hours), ago(hours));
    return path;
  };
  const expiredTotal = async (): Promise<number> => {
    const res = await t.rest({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const line = /^exports_expired_total (\d+)$/m.exec(res.body);
    expect(line, 'exports_expired_total is exposed').not.toBeNull();
    return Number(line![1]);
  };
  const expire = () => t.app.get(ExportsService).expire();

  it('validates EXPORT_TTL_HOURS: 24 by default, integer 1-8760', () => {
    expect(parseEnv({}).EXPORT_TTL_HOURS).toBe(24);
    expect(parseEnv({ EXPORT_TTL_HOURS: '' }).EXPORT_TTL_HOURS).toBe(24);
    expect(parseEnv({ EXPORT_TTL_HOURS: '8760' }).EXPORT_TTL_HOURS).toBe(8760);
    for (const bad of ['0', '8761', '1.5', '2h']) {
      expect(() => parseEnv({ EXPORT_TTL_HOURS: bad }), bad).toThrow(/EXPORT_TTL_HOURS/);
    }
  });

  it('deletes exactly the expired files of both kinds and the directories left empty', async () => {
    const [gdprGone, gdprMixed, auditGone, auditMixed, fresh, linked] = Array.from(
      { length: 6 },
      () => randomUUID(),
    );
    const id = () => randomUUID();
    const old = TTL_HOURS + 1;
    const expired = [
      await seed(join(exportDir, gdprGone, `${id()}.json`), old),
      await seed(join(exportDir, gdprMixed, `${id()}.json`), old),
      await seed(join(exportDir, 'audit', auditGone, `${id()}.csv`), old),
      await seed(join(exportDir, 'audit', auditMixed, `${id()}.json`), old),
      // A crashed write's leftover is personal data too.
      await seed(join(exportDir, 'audit', auditMixed, `${id()}.csv.${id()}.part`), old),
    ];
    const kept = [
      await seed(join(exportDir, gdprMixed, `${id()}.json`), TTL_HOURS - 1),
      await seed(join(exportDir, 'audit', auditMixed, `${id()}.csv`), 0),
    ];
    // An empty directory a worker has just created for an export being written.
    const justCreated = join(exportDir, fresh);
    await mkdir(justCreated);
    // An empty directory left long ago (a crash between mkdir and the write).
    const staleEmpty = join(exportDir, 'audit', id());
    await mkdir(staleEmpty);
    await utimes(staleEmpty, ago(old), ago(old));

    // Old files outside EXPORT_DIR, reachable from inside only through symbolic links.
    const outsideFile = await seed(join(outside, `${id()}.json`), old);
    const outsideDir = join(outside, 'dir');
    const outsideNested = await seed(join(outsideDir, `${id()}.json`), old);
    const fileLink = join(exportDir, 'audit', auditMixed, `${id()}.csv`);
    const dirLink = join(exportDir, linked);
    await symlink(outsideFile, fileLink);
    await symlink(outsideDir, dirLink);
    await lutimes(fileLink, ago(old), ago(old));
    await lutimes(dirLink, ago(old), ago(old));

    const before = await expiredTotal();
    expect(await expire()).toBe(expired.length);
    expect(await expiredTotal()).toBe(before + expired.length);

    for (const path of expired) expect(await exists(path), path).toBe(false);
    for (const path of kept) expect(await exists(path), path).toBe(true);
    // Directories left empty are gone; the others, the fresh empty one and the root stay.
    expect(await exists(join(exportDir, gdprGone))).toBe(false);
    expect(await exists(join(exportDir, 'audit', auditGone))).toBe(false);
    expect(await exists(join(exportDir, gdprMixed))).toBe(true);
    expect(await exists(justCreated)).toBe(true);
    expect(await exists(staleEmpty)).toBe(false);
    expect((await stat(exportDir)).isDirectory()).toBe(true);
    // Links are neither followed nor removed; their targets are untouched.
    expect(await readlink(fileLink)).toBe(outsideFile);
    expect(await readlink(dirLink)).toBe(outsideDir);
    expect(await readFile(outsideFile, 'utf8')).toContain(outsideFile);
    expect(await readFile(outsideNested, 'utf8')).toContain(outsideNested);

    // A second run finds nothing more to delete.
    expect(await expire()).toBe(0);
    for (const path of kept) expect(await exists(path), path).toBe(true);
    await rm(fileLink);
    await rm(dirLink);
  });

  it('deletes .part files not written to for an hour, keeps a fresh one and young exports', async () => {
    const [gdprUser, auditUser] = [randomUUID(), randomUUID()];
    const id = () => randomUUID();
    // Left by workers killed mid-write, long before the exports themselves would expire.
    const stale = [
      await seed(join(exportDir, gdprUser, `${id()}.json.${id()}.part`), 2),
      await seed(join(exportDir, 'audit', auditUser, `${id()}.csv.${id()}.part`), 1.01),
    ];
    const kept = [
      // Being written right now: each batch touches it.
      await seed(join(exportDir, gdprUser, `${id()}.json.${id()}.part`), 0),
      await seed(join(exportDir, 'audit', auditUser, `${id()}.json.${id()}.part`), 0.5),
      // Finished exports live their EXPORT_TTL_HOURS whatever their age in hours.
      await seed(join(exportDir, gdprUser, `${id()}.json`), 2),
      await seed(join(exportDir, 'audit', auditUser, `${id()}.csv`), TTL_HOURS - 1),
    ];

    expect(await expire()).toBe(stale.length);
    for (const path of stale) expect(await exists(path), path).toBe(false);
    for (const path of kept) expect(await exists(path), path).toBe(true);
    for (const path of kept) await rm(path);
    expect(await expire()).toBe(0);
  });

  it('answers an expired export download with the same 404 as a missing one, on both routes', async () => {
    const user = await registerUser(t);
    const done = (token: string, jobId: string) =>
      eventually(async () => {
        const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
        expect(res.statusCode).toBe(200);
        expect(res.json().status).toBe('completed');
        return res.json() as { result: { downloadPath: string; expiresAt: string } };
      });

    const gdpr = await t.rest({ url: '/api/v1/users/me/export', token: user.accessToken });
    expect(gdpr.statusCode, gdpr.body).toBe(202);
    const gdprJob = (gdpr.json() as { jobId: string }).jobId;
    const audit = await t.rest({
      method: 'POST',
      url: '/api/v1/audit-logs/exports',
      token: adminToken,
      payload: { format: 'csv', filter: { actorId: user.id } },
    });
    expect(audit.statusCode, audit.body).toBe(202);
    const auditJob = (audit.json() as { jobId: string }).jobId;

    const exportsToCheck = [
      {
        token: user.accessToken,
        status: await done(user.accessToken, gdprJob),
        file: join(exportDir, user.id, `${gdprJob}.json`),
        missing: `/api/v1/users/me/export/${randomUUID()}/download`,
      },
      {
        token: adminToken,
        status: await done(adminToken, auditJob),
        file: join(exportDir, 'audit', adminId, `${auditJob}.csv`),
        missing: `/api/v1/audit-logs/exports/${randomUUID()}/download`,
      },
    ];

    for (const { token, status, file } of exportsToCheck) {
      // The job result says until when the file is served: EXPORT_TTL_HOURS after it was written.
      const written = Math.floor((await stat(file)).mtimeMs);
      expect(new Date(status.result.expiresAt).getTime()).toBe(written + TTL_HOURS * HOUR_MS);
      expect(status.result.expiresAt).toBe(new Date(status.result.expiresAt).toISOString());
      const ok = await t.rest({ url: status.result.downloadPath, token });
      expect(ok.statusCode, ok.body).toBe(200);
      await utimes(file, ago(TTL_HOURS + 1), ago(TTL_HOURS + 1));
      // Past expiresAt it is not served any more, even before the daily job has run.
      const late = await t.rest({ url: status.result.downloadPath, token });
      expect(late.statusCode).toBe(404);
      expect(late.json().code).toBe('NOT_FOUND');
    }

    expect(await expire()).toBe(2);
    for (const { token, status, file, missing } of exportsToCheck) {
      expect(await exists(file), file).toBe(false);
      const gone = await t.rest({ url: status.result.downloadPath, token });
      const never = await t.rest({ url: missing, token });
      expect(gone.statusCode).toBe(404);
      expect(never.statusCode).toBe(404);
      const body = (res: typeof gone) => ({ ...res.json(), requestId: undefined }) as object;
      expect(body(gone)).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect(body(gone)).toEqual(body(never));
    }
  });

  it('runs as the exports-expire job on the audit queue, scheduled daily at 04:37 UTC', async () => {
    const queue = t.app.get<Queue>(getQueueToken('audit'));
    const scheduler = await registeredScheduler(queue, 'exports-expiry-daily');
    expect(scheduler).toMatchObject({ name: 'exports-expire', pattern: '37 4 * * *' });

    const old = await seed(join(exportDir, randomUUID(), `${randomUUID()}.json`), TTL_HOURS + 1);
    const { jobId } = await t.app.get(JobsService).enqueue('audit', 'exports-expire', {});
    const result = await eventually(async () => {
      const job = await queue.getJob(jobId);
      expect(await job?.getState()).toBe('completed');
      return job!.returnvalue as unknown;
    });
    expect(result).toEqual({ expired: 1 });
    expect(await exists(old)).toBe(false);
    expect(await exists(dirname(old))).toBe(false);
  });
});
