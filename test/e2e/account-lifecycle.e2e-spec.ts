import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { getQueueToken } from '@nestjs/bullmq';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../src/modules/auth/account.service.js';
import {
  login,
  registerUser,
  uniqueEmail,
  FAST_AUTH as FAST_TEST_AUTH,
} from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { type ReceivedMail, type SmtpServer, startSmtpServer } from '../support/smtp.js';
import { registeredScheduler } from '../support/schedulers.js';

const FAST_AUTH = {
  ...FAST_TEST_AUTH,
  PUBLIC_URL: 'https://app.example.test',
};

describe('account lifecycle: change of email, deletion, export', () => {
  let smtp: SmtpServer;
  let t: TestApp;
  let db: DataSource;
  let exportDir: string;
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    exportDir = await mkdtemp(join(tmpdir(), 'exports-'));
    t = await bootApp({ env: { ...FAST_AUTH, SMTP_URL: smtp.url, EXPORT_DIR: exportDir } });
    db = t.app.get<DataSource>(getDataSourceToken());
    t.app.get(EventEmitter2).onAny((name, payload) => {
      events.push({ name: String(name), payload: payload as Record<string, unknown> });
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  const mailTo = (to: string, predicate: (m: ReceivedMail) => boolean): Promise<ReceivedMail> =>
    smtp.waitFor((m) => m.to.includes(to) && predicate(m));
  const changeToken = async (newEmail: string): Promise<string> => {
    const mail = await mailTo(newEmail, (m) => m.text.includes('/confirm-email-change'));
    const match =
      /https:\/\/app\.example\.test\/confirm-email-change\?token=([A-Za-z0-9_-]{43})/.exec(
        mail.text,
      );
    expect(match, mail.text).not.toBeNull();
    return match![1]!;
  };
  const userRow = async (id: string) =>
    (
      await db.query(
        `SELECT email, username, first_name, last_name, bio, password_hash, email_verified_at,
           deleted_at, deletion_reason, updated_at FROM users WHERE id = $1`,
        [id],
      )
    )[0] as Record<string, unknown> & { email: string; password_hash: string };
  const changeTokens = async (id: string) =>
    db.query(
      `SELECT new_email, used_at FROM user_tokens WHERE user_id = $1 AND purpose = 'change_email'`,
      [id],
    );
  const activeSessions = async (id: string) =>
    (
      await db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [id],
      )
    )[0].n as number;

  const changeEmail = (token: string, payload: unknown) =>
    t.rest({ method: 'POST', url: '/api/v1/users/me/email', token, payload });
  const confirm = (accessToken: string | undefined, token: unknown) =>
    t.rest({
      method: 'POST',
      url: '/api/v1/users/me/email/confirm',
      token: accessToken,
      payload: { token },
    });
  const confirmGql = (accessToken: string, token: string) =>
    t.gql('mutation C($token: String!) { confirmEmailChange(token: $token) }', {
      token: accessToken,
      variables: { token },
    });
  const deleteMe = (token: string, payload: unknown) =>
    t.rest({ method: 'DELETE', url: '/api/v1/users/me', token, payload });

  describe('change of email', () => {
    it('mails a link to the new address and a notice to the old one; the link switches once', async () => {
      const user = await registerUser(t);
      const newEmail = uniqueEmail('new');
      const res = await changeEmail(user.accessToken, { newEmail, password: user.password });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toEqual({});
      expect((await userRow(user.id)).email).toBe(user.email);

      const token = await changeToken(newEmail);
      const notice = await mailTo(user.email, (m) => m.text.includes(newEmail));
      expect(notice.text).not.toContain('token=');
      expect(await changeTokens(user.id)).toMatchObject([{ new_email: newEmail, used_at: null }]);

      const ok = await confirm(user.accessToken, token);
      expect(ok.statusCode, ok.body).toBe(204);
      const row = await userRow(user.id);
      expect(row.email).toBe(newEmail);
      expect(row.email_verified_at).not.toBeNull();
      expect(
        events.some((e) => e.name === 'auth.email.changed' && e.payload.userId === user.id),
      ).toBe(true);
      await login(t, newEmail, user.password);

      const again = await confirm(user.accessToken, token);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'token' }],
      });
      expect((await userRow(user.id)).email).toBe(newEmail);
    });

    it('refuses a wrong password (400 password) and writes nothing', async () => {
      const user = await registerUser(t);
      const newEmail = uniqueEmail('nope');
      const res = await changeEmail(user.accessToken, { newEmail, password: 'not my password' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'password' }],
      });
      expect(await changeTokens(user.id)).toEqual([]);
      expect((await userRow(user.id)).email).toBe(user.email);
    });

    it('refuses an email in use (409) and writes nothing', async () => {
      const user = await registerUser(t);
      const other = await registerUser(t);
      const res = await changeEmail(user.accessToken, {
        newEmail: other.email.toUpperCase(),
        password: user.password,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('CONFLICT');
      expect(await changeTokens(user.id)).toEqual([]);
    });

    it('refuses an invalid address (400 newEmail)', async () => {
      const user = await registerUser(t);
      const res = await changeEmail(user.accessToken, {
        newEmail: 'not-an-email',
        password: user.password,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'newEmail' }],
      });
      expect(await changeTokens(user.id)).toEqual([]);
    });

    it('answers 409 when the address was taken meanwhile, and the token stays unused', async () => {
      const user = await registerUser(t);
      const newEmail = uniqueEmail('race');
      expect(
        (await changeEmail(user.accessToken, { newEmail, password: user.password })).statusCode,
      ).toBe(202);
      const token = await changeToken(newEmail);
      await registerUser(t, { email: newEmail });
      const res = await confirm(user.accessToken, token);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('CONFLICT');
      expect((await userRow(user.id)).email).toBe(user.email);
      expect(await changeTokens(user.id)).toMatchObject([{ used_at: null }]);
    });

    it('works through GraphQL', async () => {
      const user = await registerUser(t);
      const newEmail = uniqueEmail('gql');
      const res = await t.gql(
        'mutation C($input: ChangeEmailInput!) { changeEmail(input: $input) }',
        { token: user.accessToken, variables: { input: { newEmail, password: user.password } } },
      );
      expect(res.json()).toEqual({ data: { changeEmail: true } });
      const token = await changeToken(newEmail);
      const ok = await confirmGql(user.accessToken, token);
      expect(ok.json()).toEqual({ data: { confirmEmailChange: true } });
      expect((await userRow(user.id)).email).toBe(newEmail);
    });

    it("refuses another account's token like an invalid one (400, REST and GraphQL); it stays the owner's", async () => {
      const owner = await registerUser(t);
      const other = await registerUser(t);
      const newEmail = uniqueEmail('bound');
      expect(
        (await changeEmail(owner.accessToken, { newEmail, password: owner.password })).statusCode,
      ).toBe(202);
      const token = await changeToken(newEmail);
      const before = { owner: await userRow(owner.id), other: await userRow(other.id) };
      const unchanged = async () => {
        expect(await userRow(owner.id)).toEqual(before.owner);
        expect(await userRow(other.id)).toEqual(before.other);
        expect(await changeTokens(owner.id)).toMatchObject([
          { new_email: newEmail, used_at: null },
        ]);
        expect(await changeTokens(other.id)).toEqual([]);
      };
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

      const foreign = await confirm(other.accessToken, token);
      const invalid = await confirm(other.accessToken, 'x'.repeat(43));
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'token', message: 'is invalid, expired or already used' }],
      });
      expect(strip(foreign.json())).toEqual(strip(invalid.json()));
      await unchanged();

      const gql = await confirmGql(other.accessToken, token);
      const gqlInvalid = await confirmGql(other.accessToken, 'x'.repeat(43));
      const gqlError = (res: typeof gql) => {
        const [error] = res.json().errors as Array<{ message: string; extensions: object }>;
        return { message: error.message, extensions: { ...error.extensions, requestId: 0 } };
      };
      expect(gql.json().data).toBeNull();
      expect(gqlError(gql).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(gqlError(gql)).toEqual(gqlError(gqlInvalid));
      await unchanged();

      const anonymous = await confirm(undefined, token);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().code).toBe('UNAUTHENTICATED');
      await unchanged();

      const ok = await confirm(owner.accessToken, token);
      expect(ok.statusCode, ok.body).toBe(204);
      expect((await userRow(owner.id)).email).toBe(newEmail);
      expect((await userRow(other.id)).email).toBe(other.email);
    });
  });

  describe('deletion', () => {
    it('refuses a wrong password (400 password) and changes nothing', async () => {
      const user = await registerUser(t);
      const before = await userRow(user.id);
      const res = await deleteMe(user.accessToken, { password: 'not my password' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'password' }],
      });
      expect(await userRow(user.id)).toEqual(before);
      expect(await activeSessions(user.id)).toBe(1);
    });

    it('refuses a reason over 500 characters (400 reason)', async () => {
      const user = await registerUser(t);
      const res = await deleteMe(user.accessToken, {
        password: user.password,
        reason: 'x'.repeat(501),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'reason' }],
      });
      expect((await userRow(user.id)).deleted_at).toBeNull();
    });

    it('soft deletes: sessions end; login answers 403 ACCOUNT_DELETED to the right password, like an unknown email to a wrong one', async () => {
      const user = await registerUser(t);
      const res = await deleteMe(user.accessToken, {
        password: user.password,
        reason: 'Moving on',
      });
      expect(res.statusCode, res.body).toBe(204);
      const row = await userRow(user.id);
      expect(row.deleted_at).not.toBeNull();
      expect(row.deletion_reason).toBe('Moving on');
      expect(row.email).toBe(user.email);
      expect(await activeSessions(user.id)).toBe(0);
      expect(events.some((e) => e.name === 'user.deleted' && e.payload.userId === user.id)).toBe(
        true,
      );

      const signIn = (email: string, password: string) =>
        t.rest({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
      const right = await signIn(user.email, user.password);
      expect(right.statusCode).toBe(403);
      expect(right.json().code).toBe('ACCOUNT_DELETED');
      const deleted = await signIn(user.email, 'not the password');
      const unknown = await signIn(uniqueEmail('nobody'), 'not the password');
      expect(deleted.statusCode).toBe(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(deleted.json())).toEqual(strip(unknown.json()));
      const refresh = await t.rest({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });

    it('anonymises only accounts deleted longer than the restore window', async () => {
      const old = await registerUser(t);
      const recent = await registerUser(t);
      const gql = await t.gql(
        'mutation D($input: DeleteAccountInput!) { deleteAccount(input: $input) }',
        {
          token: old.accessToken,
          variables: { input: { password: old.password } },
        },
      );
      expect(gql.json()).toEqual({ data: { deleteAccount: true } });
      expect((await deleteMe(recent.accessToken, { password: recent.password })).statusCode).toBe(
        204,
      );
      await db.query(`UPDATE users SET first_name = 'Ada', bio = 'hi' WHERE id = ANY($1)`, [
        [old.id, recent.id],
      ]);
      await db.query(`UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = $1`, [
        old.id,
      ]);
      await db.query(`UPDATE users SET deleted_at = now() - interval '29 days' WHERE id = $1`, [
        recent.id,
      ]);

      const ids = await t.app.get(AccountService).anonymiseExpired();
      expect(ids).toContain(old.id);
      expect(ids).not.toContain(recent.id);
      const gone = await userRow(old.id);
      expect(gone).toMatchObject({
        email: `deleted-${old.id}@invalid`,
        username: null,
        first_name: null,
        last_name: null,
        bio: null,
      });
      expect(gone.password_hash).not.toMatch(/^\$argon2/);
      const kept = await userRow(recent.id);
      expect(kept).toMatchObject({ email: recent.email, first_name: 'Ada', bio: 'hi' });
      expect(await t.app.get(AccountService).anonymiseExpired()).not.toContain(old.id);
    });

    // A row referencing the account being written at that moment (an audit entry, a
    // notification, a session: each foreign-key check holds FOR KEY SHARE on the user) must not
    // make the run skip the account: it waits for that insert instead. It skipped the account
    // until the next day's run (a CI flake: "expected [] to include <id>").
    it('anonymises an account while another transaction inserts a row that references it', async () => {
      const user = await registerUser(t);
      expect((await deleteMe(user.accessToken, { password: user.password })).statusCode).toBe(204);
      await db.query(`UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = $1`, [
        user.id,
      ]);
      const referencing = db.createQueryRunner();
      await referencing.connect();
      await referencing.startTransaction();
      try {
        // What PostgreSQL's foreign-key check on an INSERT takes on the referenced row.
        await referencing.query('SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE', [user.id]);
        const run = t.app.get(AccountService).anonymiseExpired();
        // Either the run ends at once (it skipped the account) or it waits for the insert.
        const waiting = eventually(async () => {
          const [{ n }]: Array<{ n: number }> = await db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND query LIKE 'UPDATE users SET email%'`,
          );
          expect(n).toBe(1);
        });
        waiting.catch(() => undefined); // settled by the race when the run ends first
        const first = await Promise.race([run, waiting.then(() => 'waiting' as const)]);
        if (first !== 'waiting') expect(first).toContain(user.id);
        await referencing.commitTransaction();
        expect(await run).toContain(user.id);
      } finally {
        if (referencing.isTransactionActive) await referencing.rollbackTransaction();
        await referencing.release();
      }
      expect((await userRow(user.id)).email).toBe(`deleted-${user.id}@invalid`);
    });

    it('schedules the anonymisation daily in worker processes', async () => {
      const queue = t.app.get<Queue>(getQueueToken('accounts'));
      const scheduler = await registeredScheduler(queue, 'accounts-anonymise-daily');
      expect(scheduler).toMatchObject({ name: 'accounts-anonymise', pattern: '17 3 * * *' });
    });
  });

  describe('export', () => {
    const waitDone = (token: string, jobId: string) =>
      eventually(async () => {
        const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token });
        expect(res.statusCode).toBe(200);
        expect(res.json().status).toBe('completed');
        return res.json() as { result: { downloadPath: string; bytes: number } };
      });

    it('builds a downloadable archive for the owner only, without hashes', async () => {
      const user = await registerUser(t);
      await login(t, user.email, user.password);
      const other = await registerUser(t);
      await t.app.get(AuditWriter).flush(); // the sign-ins above are in the archive's audit part
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/export',
        token: user.accessToken,
      });
      expect(res.statusCode, res.body).toBe(202);
      const { jobId } = res.json() as { jobId: string };
      expect(res.headers.location).toBe(`/api/v1/jobs/${jobId}`);

      const status = await waitDone(user.accessToken, jobId);
      expect(status.result.downloadPath).toBe(`/api/v1/users/me/export/${jobId}/download`);

      const file = await t.rest({ url: status.result.downloadPath, token: user.accessToken });
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toMatch(/^application\/json/);
      expect(file.headers['content-disposition']).toMatch(/^attachment; filename=/);
      const archive = file.json();
      expect(archive.profile).toMatchObject({ id: user.id, email: user.email });
      expect(archive.roles).toEqual(['user']);
      expect(archive.sessions).toHaveLength(2);
      expect(Object.keys(archive.notYetIncluded)).toEqual(['notifications']);
      expect(archive.files).toEqual([]);
      const actions = (archive.auditLog as Array<{ action: string }>).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['auth.registered', 'auth.login.succeeded']));
      const hashes: Array<{ h: string }> = await db.query(
        `SELECT password_hash AS h FROM users WHERE id = $1
         UNION ALL SELECT refresh_token_hash FROM sessions WHERE user_id = $1
         UNION ALL SELECT token_hash FROM user_tokens WHERE user_id = $1`,
        [user.id],
      );
      expect(hashes.length).toBeGreaterThan(2);
      for (const { h } of hashes) expect(file.body).not.toContain(h);
      expect(file.body).not.toMatch(/password|token_?hash|refresh/i);

      const foreign = await t.rest({ url: status.result.downloadPath, token: other.accessToken });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().code).toBe('NOT_FOUND');
      const foreignStatus = await t.rest({
        url: `/api/v1/jobs/${jobId}`,
        token: other.accessToken,
      });
      expect(foreignStatus.statusCode).toBe(404);
    });

    it('answers the download of a failed export 410 EXPORT_FAILED; a retry clears its stale .part', async () => {
      const user = await registerUser(t);
      const userDir = join(exportDir, user.id);
      // A file where the worker needs its directory: every attempt fails, nothing is written.
      await writeFile(userDir, 'not a directory');
      const res = await t.rest({
        method: 'POST',
        url: '/api/v1/users/me/export',
        token: user.accessToken,
      });
      expect(res.statusCode, res.body).toBe(202);
      const { jobId } = res.json() as { jobId: string };
      const status = await eventually(async () => {
        const job = await t.rest({ url: `/api/v1/jobs/${jobId}`, token: user.accessToken });
        expect(job.json().status).toBe('failed');
        return job.json() as { attempts: number; error?: string; result?: unknown };
      });
      expect(status.attempts).toBe(3);
      expect(status.error).toBeTruthy();
      expect(status.result).toBeUndefined();

      const download = `/api/v1/users/me/export/${jobId}/download`;
      const failed = await t.rest({ url: download, token: user.accessToken });
      expect(failed.statusCode, failed.body).toBe(410);
      expect(failed.json()).toMatchObject({
        code: 'EXPORT_FAILED',
        status: 410,
        detail: 'The export failed; start a new one',
      });
      expect(await readFile(userDir, 'utf8')).toBe('not a directory');
      // Still nobody else's: another account gets the 404 of a missing export.
      const other = await registerUser(t);
      expect((await t.rest({ url: download, token: other.accessToken })).statusCode).toBe(404);

      // As if a worker had been killed writing this job: its .part stays behind, and another
      // job's (maybe running) must survive the retry.
      await rm(userDir);
      await mkdir(userDir);
      const stale = `${jobId}.json.${randomUUID()}.part`;
      const otherJob = `${randomUUID()}.json.${randomUUID()}.part`;
      await writeFile(join(userDir, stale), '{"half":');
      await writeFile(join(userDir, otherJob), '{"other":');
      const job = await t.app.get<Queue>(getQueueToken('accounts')).getJob(jobId);
      await job!.retry();
      await waitDone(user.accessToken, jobId);
      expect((await readdir(userDir)).sort()).toEqual([`${jobId}.json`, otherJob].sort());
      const ok = await t.rest({ url: download, token: user.accessToken });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().profile).toMatchObject({ id: user.id });
    });

    it('queues through GraphQL too', async () => {
      const user = await registerUser(t);
      const res = await t.gql('mutation { exportMyData { jobId } }', { token: user.accessToken });
      const jobId = res.json().data.exportMyData.jobId as string;
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      await waitDone(user.accessToken, jobId);
    });
  });
});
