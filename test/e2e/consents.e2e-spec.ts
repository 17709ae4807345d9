import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { AccountService } from '../../src/modules/auth/account.service.js';
import { ConsentsModule } from '../../src/modules/consents/consents.module.js';
import { FilesCleanupService } from '../../src/modules/files/files-cleanup.service.js';
import { InvitesModule } from '../../src/modules/invites/invites.module.js';
import { FAST_AUTH, STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { multipart } from '../support/multipart.js';

type Json = Record<string, unknown>;
interface GqlError {
  extensions: { code: string; errors?: Array<{ field: string; message: string }> };
}
interface Registered {
  id: string;
  email: string;
  accessToken: string;
}

const ESSENTIAL = { purpose: 'essential', granted: true, policyVersion: '2026-01' };
const UA = 'consents-spec/1.0';

const MY_CONSENTS = '{ myConsents { purpose granted policyVersion updatedAt } }';
const SET_CONSENT = `mutation S($input: ConsentInput!) {
  setConsent(input: $input) { purpose granted policyVersion updatedAt }
}`;
const REGISTER = `mutation R($input: RegisterInput!) { register(input: $input) { user { id } } }`;

const gqlError = (body: string): GqlError => (JSON.parse(body) as { errors: GqlError[] }).errors[0];
const fieldsOf = (body: Json): string[] =>
  ((body.errors as Array<{ field: string }> | undefined) ?? []).map((e) => e.field);

describe('consent records', () => {
  let t: TestApp;
  let db: DataSource;
  let exportDir: string;
  let filesRoot: string;

  beforeAll(async () => {
    exportDir = await mkdtemp(join(tmpdir(), 'consents-export-'));
    filesRoot = await mkdtemp(join(tmpdir(), 'consents-files-'));
    t = await bootApp({
      env: {
        ...FAST_AUTH,
        CONSENT_REQUIRED: 'true',
        ACCOUNT_DELETION_DEFAULT: 'erase',
        EXPORT_DIR: exportDir,
        FILES_LOCAL_ROOT: filesRoot,
      },
      extraModules: [InvitesModule, ConsentsModule],
    });
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    await t?.close();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
    if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
  });

  const usersWithEmail = async (email: string): Promise<number> =>
    (await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n;
  const consentRows = async (userId: string) =>
    db.query(
      `SELECT purpose, granted, policy_version, ip, user_agent FROM consents
       WHERE user_id = $1 ORDER BY id`,
      [userId],
    ) as Promise<Array<Record<string, unknown>>>;

  const register = async (consents: Json[] = [ESSENTIAL]): Promise<Registered> => {
    const email = uniqueEmail('consent');
    const res = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'user-agent': UA },
      payload: { email, password: STRONG_PASSWORD, consents },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().user.id, email, accessToken: res.json().accessToken };
  };

  describe('at registration (CONSENT_REQUIRED=true)', () => {
    it("refuses a registration without 'essential' granted: 400 naming consents, nothing written", async () => {
      const cases: Array<[Json[] | undefined, string]> = [
        [undefined, 'consents'],
        [[], 'consents'],
        [[{ ...ESSENTIAL, granted: false }], 'consents'],
        [[{ purpose: 'analytics', granted: true, policyVersion: '1' }], 'consents'],
        [[ESSENTIAL, ESSENTIAL], 'consents'],
        [[{ ...ESSENTIAL, purpose: 'spam' }], 'consents.0.purpose'],
        [[{ ...ESSENTIAL, granted: 'yes' }], 'consents.0.granted'],
        [[{ ...ESSENTIAL, policyVersion: '' }], 'consents.0.policyVersion'],
        [[{ ...ESSENTIAL, policyVersion: 'v'.repeat(51) }], 'consents.0.policyVersion'],
        [[ESSENTIAL, ESSENTIAL, ESSENTIAL, ESSENTIAL], 'consents'],
      ];
      for (const [consents, field] of cases) {
        const email = uniqueEmail('no-consent');
        const res = await t.rest({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password: STRONG_PASSWORD, ...(consents ? { consents } : {}) },
        });
        expect(res.statusCode, JSON.stringify(consents)).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.json()), JSON.stringify(consents)).toContain(field);
        expect(await usersWithEmail(email)).toBe(0);
      }
      const email = uniqueEmail('no-consent-gql');
      const gql = await t.gql(REGISTER, {
        variables: { input: { email, password: STRONG_PASSWORD } },
      });
      expect(gqlError(gql.body).extensions.code).toBe('BAD_USER_INPUT');
      expect(gqlError(gql.body).extensions.errors?.map((e) => e.field)).toEqual(['consents']);
      expect(await usersWithEmail(email)).toBe(0);
    });

    it('records the consents given, with IP, user agent and policy version (REST and GraphQL)', async () => {
      const user = await register([
        ESSENTIAL,
        { purpose: 'marketing', granted: false, policyVersion: '2026-01' },
      ]);
      expect(await consentRows(user.id)).toEqual([
        {
          purpose: 'essential',
          granted: true,
          policy_version: '2026-01',
          ip: '127.0.0.1',
          user_agent: UA,
        },
        {
          purpose: 'marketing',
          granted: false,
          policy_version: '2026-01',
          ip: '127.0.0.1',
          user_agent: UA,
        },
      ]);
      const email = uniqueEmail('consent-gql');
      const gql = await t.gql(REGISTER, {
        variables: { input: { email, password: STRONG_PASSWORD, consents: [ESSENTIAL] } },
      });
      const id = gql.json().data.register.user.id as string;
      expect(await consentRows(id)).toMatchObject([{ purpose: 'essential', granted: true }]);
    });
  });

  describe('GET/PUT /users/me/consents, myConsents/setConsent', () => {
    it('answers the current state of every purpose; one never answered is not granted', async () => {
      const user = await register();
      const res = await t.rest({ url: '/api/v1/users/me/consents', token: user.accessToken });
      expect(res.statusCode).toBe(200);
      const body = res.json() as Array<Json>;
      expect(body.map((c) => c.purpose)).toEqual(['essential', 'analytics', 'marketing']);
      expect(body[0]).toMatchObject({ granted: true, policyVersion: '2026-01' });
      expect(typeof body[0].updatedAt).toBe('string');
      expect(body[1]).toEqual({
        purpose: 'analytics',
        granted: false,
        policyVersion: null,
        updatedAt: null,
      });
      const gql = await t.gql(MY_CONSENTS, { token: user.accessToken });
      expect(gql.json().data.myConsents).toEqual(body);
    });

    it('grants and withdraws; the history keeps every answer, the latest counts', async () => {
      const user = await register();
      const grant = await t.rest({
        method: 'PUT',
        url: '/api/v1/users/me/consents',
        token: user.accessToken,
        headers: { 'user-agent': UA },
        payload: { purpose: 'analytics', granted: true, policyVersion: '2026-02' },
      });
      expect(grant.statusCode, grant.body).toBe(200);
      expect(grant.json()).toMatchObject({
        purpose: 'analytics',
        granted: true,
        policyVersion: '2026-02',
      });
      const withdraw = await t.gql(SET_CONSENT, {
        token: user.accessToken,
        headers: { 'user-agent': UA },
        variables: { input: { purpose: 'analytics', granted: false, policyVersion: '2026-02' } },
      });
      expect(withdraw.json().data.setConsent, withdraw.body).toMatchObject({
        purpose: 'analytics',
        granted: false,
      });
      const current = await t.rest({ url: '/api/v1/users/me/consents', token: user.accessToken });
      expect((current.json() as Json[])[1]).toMatchObject({ purpose: 'analytics', granted: false });
      const history = await consentRows(user.id);
      expect(history.map((r) => [r.purpose, r.granted])).toEqual([
        ['essential', true],
        ['analytics', true],
        ['analytics', false],
      ]);
      expect(history.every((r) => r.user_agent === UA && r.ip === '127.0.0.1')).toBe(true);
    });

    it('the latest answer counts however long the history (ids past a digit boundary)', async () => {
      const user = await register();
      // The next ids cross from n digits to n + 1 (…98, …99, 1…00): a text order would show.
      await db.query(
        `SELECT setval(pg_get_serial_sequence('consents', 'id'),
           power(10, length(max(id)::text) + 1)::bigint - 3) FROM consents`,
      );
      const answers = Array.from({ length: 11 }, (_, i) => i % 2 === 0);
      for (const granted of [...answers, true]) {
        const res = await t.rest({
          method: 'PUT',
          url: '/api/v1/users/me/consents',
          token: user.accessToken,
          payload: { purpose: 'marketing', granted, policyVersion: '2026-02' },
        });
        expect(res.statusCode).toBe(200);
      }
      const current = await t.rest({ url: '/api/v1/users/me/consents', token: user.accessToken });
      expect((current.json() as Json[])[2]).toMatchObject({ purpose: 'marketing', granted: true });
      expect(await consentRows(user.id)).toHaveLength(13);
    });

    it('every bad input is 400 naming the field, nothing written; anonymous is 401', async () => {
      const user = await register();
      const cases: Array<[Json, string]> = [
        [{ purpose: 'spam', granted: true, policyVersion: '1' }, 'purpose'],
        [{ granted: true, policyVersion: '1' }, 'purpose'],
        [{ purpose: 'analytics', granted: 'yes', policyVersion: '1' }, 'granted'],
        [{ purpose: 'analytics', policyVersion: '1' }, 'granted'],
        [{ purpose: 'analytics', granted: true }, 'policyVersion'],
        [{ purpose: 'analytics', granted: true, policyVersion: '' }, 'policyVersion'],
        [{ purpose: 'analytics', granted: true, policyVersion: 'a b' }, 'policyVersion'],
        [{ purpose: 'analytics', granted: true, policyVersion: 'v'.repeat(51) }, 'policyVersion'],
      ];
      for (const [payload, field] of cases) {
        const res = await t.rest({
          method: 'PUT',
          url: '/api/v1/users/me/consents',
          token: user.accessToken,
          payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.json()), JSON.stringify(payload)).toContain(field);
      }
      const gql = await t.gql(SET_CONSENT, {
        token: user.accessToken,
        variables: { input: { purpose: 'spam', granted: true, policyVersion: '1' } },
      });
      expect(gqlError(gql.body).extensions.code).toBe('BAD_USER_INPUT');
      expect(gqlError(gql.body).extensions.errors?.map((e) => e.field)).toEqual(['purpose']);
      expect(await consentRows(user.id)).toHaveLength(1);

      const anonymous = await t.rest({
        method: 'PUT',
        url: '/api/v1/users/me/consents',
        payload: { purpose: 'analytics', granted: true, policyVersion: '1' },
      });
      expect(anonymous.statusCode).toBe(401);
      const anonymousRead = await t.gql(MY_CONSENTS);
      expect(gqlError(anonymousRead.body).extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  it('the GDPR export holds the whole consent history', async () => {
    const user = await register();
    for (const granted of [true, false]) {
      const res = await t.rest({
        method: 'PUT',
        url: '/api/v1/users/me/consents',
        token: user.accessToken,
        payload: { purpose: 'marketing', granted, policyVersion: '2026-03' },
      });
      expect(res.statusCode).toBe(200);
    }
    const started = await t.rest({
      method: 'POST',
      url: '/api/v1/users/me/export',
      token: user.accessToken,
    });
    expect(started.statusCode, started.body).toBe(202);
    const { jobId } = started.json() as { jobId: string };
    const status = await eventually(async () => {
      const res = await t.rest({ url: `/api/v1/jobs/${jobId}`, token: user.accessToken });
      expect(res.json().status).toBe('completed');
      return res.json() as { result: { downloadPath: string } };
    });
    const file = await t.rest({ url: status.result.downloadPath, token: user.accessToken });
    expect(file.statusCode).toBe(200);
    const consents = file.json().consents as Json[];
    expect(consents.map((c) => [c.purpose, c.granted, c.policyVersion])).toEqual([
      ['essential', true, '2026-01'],
      ['marketing', true, '2026-03'],
      ['marketing', false, '2026-03'],
    ]);
    expect(consents[0]).toMatchObject({ ip: '127.0.0.1', userAgent: UA });
    expect(typeof consents[0].createdAt).toBe('string');
    expect(consents[0]).not.toHaveProperty('id');
  });

  describe('account deletion: erase or anonymise', () => {
    const deleteMe = (user: Registered, payload: Json) =>
      t.rest({ method: 'DELETE', url: '/api/v1/users/me', token: user.accessToken, payload });
    const deletionMode = async (id: string) =>
      (await db.query('SELECT deletion_mode, deleted_at FROM users WHERE id = $1', [id]))[0] as
        { deletion_mode: string | null; deleted_at: Date | null } | undefined;
    const backdate = (ids: string[]) =>
      db.query(`UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = ANY($1)`, [
        ids,
      ]);

    it('records the choice (default ACCOUNT_DELETION_DEFAULT) and applies it at the end of the window', async () => {
      const byDefault = await register();
      const erased = await register();
      const anonymised = await register();
      const body = multipart([
        { name: 'file', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('hi\n') },
      ]);
      const uploaded = await t.rest({
        method: 'POST',
        url: '/api/v1/files',
        token: erased.accessToken,
        payload: body.payload,
        headers: body.headers,
      });
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      const [{ storage_key: storageKey }] = await db.query(
        'SELECT storage_key FROM files WHERE owner_id = $1',
        [erased.id],
      );
      const stored = async () =>
        (await readdir(filesRoot, { recursive: true })).some((name) =>
          name.includes(storageKey as string),
        );
      expect(await stored()).toBe(true);
      expect((await deleteMe(byDefault, { password: STRONG_PASSWORD })).statusCode).toBe(204);
      const gql = await t.gql(
        'mutation D($input: DeleteAccountInput!) { deleteAccount(input: $input) }',
        {
          token: erased.accessToken,
          variables: { input: { password: STRONG_PASSWORD, mode: 'erase' } },
        },
      );
      expect(gql.json(), gql.body).toEqual({ data: { deleteAccount: true } });
      const res = await deleteMe(anonymised, { password: STRONG_PASSWORD, mode: 'anonymise' });
      expect(res.statusCode, res.body).toBe(204);
      expect((await deletionMode(byDefault.id))?.deletion_mode).toBe('erase');
      expect((await deletionMode(erased.id))?.deletion_mode).toBe('erase');
      expect((await deletionMode(anonymised.id))?.deletion_mode).toBe('anonymise');

      // Inside the restore window nothing is removed.
      await t.app.get(AccountService).anonymiseExpired();
      expect(await deletionMode(erased.id)).toBeDefined();
      expect(await consentRows(erased.id)).toHaveLength(1);

      await backdate([byDefault.id, erased.id, anonymised.id]);
      const ids = await t.app.get(AccountService).anonymiseExpired();
      expect(ids).toContain(anonymised.id);
      expect(ids).not.toContain(erased.id);
      for (const user of [byDefault, erased]) {
        expect(await deletionMode(user.id)).toBeUndefined();
        expect(await consentRows(user.id)).toEqual([]);
        expect(await usersWithEmail(user.email)).toBe(0);
      }
      // The file rows went with the account; the next cleanup removes the bytes no row knows.
      expect(await db.query('SELECT id FROM files WHERE owner_id = $1', [erased.id])).toEqual([]);
      const graceHours = 25; // past FILES_ORPHAN_GRACE_HOURS (24)
      await t.app.get(FilesCleanupService).run(new Date(Date.now() + graceHours * 3_600_000));
      expect(await stored()).toBe(false);
      const [kept] = await db.query('SELECT email FROM users WHERE id = $1', [anonymised.id]);
      expect(kept.email).toBe(`deleted-${anonymised.id}@invalid`);
      await eventually(async () =>
        expect(await consentRows(anonymised.id)).toEqual([
          {
            purpose: 'essential',
            granted: true,
            policy_version: '2026-01',
            ip: null,
            user_agent: null,
          },
        ]),
      );

      await t.app.get(AuditWriter).flush();
      const audit: Array<{ entity_id: string }> = await db.query(
        `SELECT entity_id FROM audit_log WHERE action = 'user.erased' AND entity_id = ANY($1)`,
        [[byDefault.id, erased.id]],
      );
      expect(audit.map((a) => a.entity_id).sort()).toEqual([byDefault.id, erased.id].sort());
    });

    it('a bad mode is 400 naming mode, and the account stays', async () => {
      const user = await register();
      for (const mode of ['shred', 1, '']) {
        const res = await deleteMe(user, { password: STRONG_PASSWORD, mode });
        expect(res.statusCode, String(mode)).toBe(400);
        expect(fieldsOf(res.json())).toEqual(['mode']);
      }
      const gql = await t.gql(
        'mutation D($input: DeleteAccountInput!) { deleteAccount(input: $input) }',
        {
          token: user.accessToken,
          variables: { input: { password: STRONG_PASSWORD, mode: 'shred' } },
        },
      );
      expect(gqlError(gql.body).extensions.errors?.map((e) => e.field)).toEqual(['mode']);
      expect(await deletionMode(user.id)).toEqual({ deletion_mode: null, deleted_at: null });
    });
  });
});
