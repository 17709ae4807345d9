import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionsService } from '../../src/core/auth/permissions.service.js';
import { AuditWriter } from '../../src/modules/audit/audit-writer.js';
import { ConsentsModule } from '../../src/modules/consents/consents.module.js';
import { InvitesModule } from '../../src/modules/invites/invites.module.js';
import {
  FAST_AUTH,
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
} from '../factories/user.factory.js';
import { bootApp, type TestApp, workerDatabaseUrl } from '../support/app.js';
import { cliEnv, runCli } from '../support/cli-runner.js';
import { bootstrapAdmin } from '../support/users.js';

type Json = Record<string, unknown>;
interface GqlError {
  extensions: { code: string; errors?: Array<{ field: string; message: string }> };
}

const REGISTER = `mutation R($input: RegisterInput!) {
  register(input: $input) { user { id email roles } accessToken }
}`;
const CREATE_INVITE = `mutation C($input: CreateInviteInput) {
  createInvite(input: $input) { id token email role expiresAt }
}`;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Boots the app with the registration modules (until AppModule imports them). */
const boot = (env: Record<string, string>) =>
  bootApp({ env: { ...FAST_AUTH, ...env }, extraModules: [InvitesModule, ConsentsModule] });

const dbOf = (t: TestApp) => t.app.get<DataSource>(getDataSourceToken());

const usersWithEmail = async (t: TestApp, email: string): Promise<number> =>
  (await dbOf(t).query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n;

const inviteCount = async (t: TestApp): Promise<number> =>
  (await dbOf(t).query('SELECT count(*)::int AS n FROM invites'))[0].n;

const restRegister = (t: TestApp, payload: Json) =>
  t.rest({ method: 'POST', url: '/api/v1/auth/register', payload });

const gqlRegister = (t: TestApp, input: Json) => t.gql(REGISTER, { variables: { input } });

const gqlError = (body: string): GqlError => (JSON.parse(body) as { errors: GqlError[] }).errors[0];

const fieldsOf = (body: Json): string[] =>
  ((body.errors as Array<{ field: string }> | undefined) ?? []).map((e) => e.field);

async function invite(t: TestApp, token: string, payload: Json = {}) {
  const res = await t.rest({ method: 'POST', url: '/api/v1/admin/invites', token, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; expiresAt: string; role: string | null };
}

describe('registration modes', () => {
  describe('REGISTRATION_MODE=closed', () => {
    const admin = bootstrapAdmin('closed-admin');
    let t: TestApp;
    beforeAll(async () => {
      t = await boot({ REGISTRATION_MODE: 'closed', ...admin.env });
    });
    afterAll(() => t?.close());

    it('refuses registration over REST and GraphQL with 403 REGISTRATION_CLOSED, writing nothing', async () => {
      const email = uniqueEmail('closed');
      const rest = await restRegister(t, { email, password: STRONG_PASSWORD });
      expect(rest.statusCode).toBe(403);
      expect(rest.json().code).toBe('REGISTRATION_CLOSED');
      const gql = await gqlRegister(t, { email, password: STRONG_PASSWORD });
      expect(gqlError(gql.body).extensions.code).toBe('REGISTRATION_CLOSED');
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('still creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD, who can sign in', async () => {
      const token = await admin.signIn(t);
      const me = await t.rest({ url: '/api/v1/users/me', token });
      expect(me.json()).toMatchObject({ email: admin.email, roles: ['admin', 'user'] });
    });

    it('still creates an admin with the CLI (create-admin)', async () => {
      const email = uniqueEmail('closed-cli');
      const cli = await runCli(
        ['create-admin', email, '--password-stdin'],
        cliEnv(await workerDatabaseUrl(), { REGISTRATION_MODE: 'closed' }),
        `${admin.password}\n`,
      );
      expect(cli.code, cli.stderr).toBe(0);
      const tokens = await login(t, email, admin.password);
      const me = await t.rest({ url: '/api/v1/users/me', token: tokens.accessToken });
      expect(me.json().roles).toEqual(['admin', 'user']);
    });

    it('refuses even a valid invite: closed means closed', async () => {
      const created = await invite(t, await admin.signIn(t));
      const email = uniqueEmail('closed-invited');
      const res = await restRegister(t, {
        email,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('REGISTRATION_CLOSED');
      const row = await dbOf(t).query('SELECT used_at FROM invites WHERE id = $1', [created.id]);
      expect(row[0].used_at).toBeNull();
    });
  });

  describe('REGISTRATION_MODE=invite', () => {
    const admin = bootstrapAdmin('invite-admin');
    let t: TestApp;
    let adminToken: string;
    beforeAll(async () => {
      t = await boot({ REGISTRATION_MODE: 'invite', ...admin.env });
      adminToken = await admin.signIn(t);
      await dbOf(t).query(
        `INSERT INTO roles (name, description) VALUES ('moderator', 'test role'),
           ('inviter', 'may invite, not assign roles') ON CONFLICT (name) DO NOTHING`,
      );
      await dbOf(t).query(
        `INSERT INTO role_permissions (role_id, permission_id)
         SELECT r.id, p.id FROM roles r, permissions p
         WHERE r.name = 'inviter' AND p.name = 'invites.create' ON CONFLICT DO NOTHING`,
      );
      await t.app.get(PermissionsService).refresh();
    });
    afterAll(() => t?.close());

    it('needs an invite: none is 400 INVITE_REQUIRED naming inviteToken, REST and GraphQL', async () => {
      const email = uniqueEmail('uninvited');
      const rest = await restRegister(t, { email, password: STRONG_PASSWORD });
      expect(rest.statusCode).toBe(400);
      expect(rest.json().code).toBe('INVITE_REQUIRED');
      expect(fieldsOf(rest.json())).toEqual(['inviteToken']);
      const gql = gqlError((await gqlRegister(t, { email, password: STRONG_PASSWORD })).body);
      expect(gql.extensions.code).toBe('INVITE_REQUIRED');
      expect(gql.extensions.errors?.map((e) => e.field)).toEqual(['inviteToken']);
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('an unknown, empty or oversized token is 400 naming inviteToken, nothing written', async () => {
      const email = uniqueEmail('forged');
      for (const inviteToken of ['inv_forged', '', 'x'.repeat(201)]) {
        const res = await restRegister(t, { email, password: STRONG_PASSWORD, inviteToken });
        expect(res.statusCode, inviteToken).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.json())).toEqual(['inviteToken']);
      }
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('an invite registers once over REST; the token is stored only as its SHA-256', async () => {
      const created = await invite(t, adminToken);
      expect(created.token).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
      const [row] = await dbOf(t).query('SELECT * FROM invites WHERE id = $1', [created.id]);
      expect(row.token_hash).toBe(sha256(created.token));
      expect(JSON.stringify(row)).not.toContain(created.token);

      const email = uniqueEmail('invited');
      const res = await restRegister(t, {
        email,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode, res.body).toBe(201);
      const userId = res.json().user.id as string;
      const [used] = await dbOf(t).query('SELECT used_at, used_by FROM invites WHERE id = $1', [
        created.id,
      ]);
      expect(used.used_by).toBe(userId);
      expect(used.used_at).not.toBeNull();

      const again = uniqueEmail('reuse');
      const reuse = await restRegister(t, {
        email: again,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(reuse.statusCode).toBe(400);
      expect(fieldsOf(reuse.json())).toEqual(['inviteToken']);
      expect(await usersWithEmail(t, again)).toBe(0);
    });

    it('over GraphQL: createInvite, then register with it; a reuse is BAD_USER_INPUT', async () => {
      const created = await t.gql(CREATE_INVITE, { token: adminToken, variables: {} });
      const { token } = created.json().data.createInvite as { token: string };
      const email = uniqueEmail('gql-invited');
      const ok = await gqlRegister(t, { email, password: STRONG_PASSWORD, inviteToken: token });
      expect(ok.json().data.register.user.email, ok.body).toBe(email);
      const other = uniqueEmail('gql-reuse');
      const reuse = gqlError(
        (await gqlRegister(t, { email: other, password: STRONG_PASSWORD, inviteToken: token }))
          .body,
      );
      expect(reuse.extensions.code).toBe('BAD_USER_INPUT');
      expect(reuse.extensions.errors?.map((e) => e.field)).toEqual(['inviteToken']);
      expect(await usersWithEmail(t, other)).toBe(0);
    });

    it('two registrations racing for one invite: exactly one wins, the other writes nothing', async () => {
      const created = await invite(t, adminToken);
      const emails = [uniqueEmail('race-a'), uniqueEmail('race-b')];
      const results = await Promise.all(
        emails.map((email) =>
          restRegister(t, { email, password: STRONG_PASSWORD, inviteToken: created.token }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 400]);
      const loser = results.find((r) => r.statusCode === 400)!;
      expect(fieldsOf(loser.json())).toEqual(['inviteToken']);
      const counts = await Promise.all(emails.map((email) => usersWithEmail(t, email)));
      expect(counts.sort()).toEqual([0, 1]);
    });

    it('an expired invite is refused', async () => {
      const created = await invite(t, adminToken, { expiresInHours: 1 });
      await dbOf(t).query(
        "UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = $1",
        [created.id],
      );
      const email = uniqueEmail('expired');
      const res = await restRegister(t, {
        email,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode).toBe(400);
      expect(fieldsOf(res.json())).toEqual(['inviteToken']);
      expect(await usersWithEmail(t, email)).toBe(0);
    });

    it('expires after INVITE_DEFAULT_TTL_HOURS (72) by default, or expiresInHours', async () => {
      const before = Date.now();
      const byDefault = await invite(t, adminToken);
      const short = await invite(t, adminToken, { expiresInHours: 5 });
      const after = Date.now();
      const hours = (iso: string, from: number) => (Date.parse(iso) - from) / 3_600_000;
      expect(hours(byDefault.expiresAt, before)).toBeGreaterThanOrEqual(72);
      expect(hours(byDefault.expiresAt, after)).toBeLessThanOrEqual(72);
      expect(hours(short.expiresAt, before)).toBeGreaterThanOrEqual(5);
      expect(hours(short.expiresAt, after)).toBeLessThanOrEqual(5);
    });

    it('a fixed e-mail: another address is 400 naming email; the invitee (any case) registers', async () => {
      const email = uniqueEmail('fixed');
      const created = await invite(t, adminToken, { email });
      const other = uniqueEmail('not-fixed');
      const wrong = await restRegister(t, {
        email: other,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(wrong.statusCode).toBe(400);
      expect(fieldsOf(wrong.json())).toEqual(['email']);
      expect(await usersWithEmail(t, other)).toBe(0);
      const ok = await restRegister(t, {
        email: email.toUpperCase(),
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().user.email).toBe(email);
    });

    it('a role on the invite is granted on registration', async () => {
      const created = await invite(t, adminToken, { role: 'moderator' });
      expect(created.role).toBe('moderator');
      const email = uniqueEmail('moderator');
      const res = await restRegister(t, {
        email,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().user.roles).toEqual(['moderator', 'user']);
    });

    it('audits invite.created and invite.used, never with the token', async () => {
      const created = await invite(t, adminToken, { role: 'moderator' });
      const res = await restRegister(t, {
        email: uniqueEmail('audited'),
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode).toBe(201);
      await t.app.get(AuditWriter).flush();
      const rows: Array<{ action: string; actor_id: string; new_values: unknown }> = await dbOf(
        t,
      ).query(
        `SELECT action, actor_id, new_values FROM audit_log
           WHERE entity_type = 'invite' AND entity_id = $1 ORDER BY occurred_at, action`,
        [created.id],
      );
      expect(rows.map((r) => r.action)).toEqual(['invite.created', 'invite.used']);
      const [me] = await dbOf(t).query('SELECT id FROM users WHERE email = $1', [admin.email]);
      expect(rows[0].actor_id).toBe(me.id);
      expect(JSON.stringify(rows)).not.toContain(created.token);
    });

    it('only invites.create may invite (403), and a role needs roles.assign (403)', async () => {
      const user = await registerWithInvite(t, adminToken);
      const inviter = await createUserWithRoles(t, adminToken, ['inviter']);
      const before = await inviteCount(t);
      const plain = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/invites',
        token: user.accessToken,
        payload: {},
      });
      expect(plain.statusCode).toBe(403);
      const gql = await t.gql(CREATE_INVITE, { token: user.accessToken, variables: {} });
      expect(gqlError(gql.body).extensions.code).toBe('FORBIDDEN');

      const noRole = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/invites',
        token: inviter,
        payload: {},
      });
      expect(noRole.statusCode, noRole.body).toBe(201);
      const withRole = await t.rest({
        method: 'POST',
        url: '/api/v1/admin/invites',
        token: inviter,
        payload: { role: 'admin' },
      });
      expect(withRole.statusCode).toBe(403);
      expect(withRole.json().code).toBe('FORBIDDEN');
      expect(await inviteCount(t)).toBe(before + 1);
    });

    it('every bad invite input is 400 naming the field, nothing written', async () => {
      const before = await inviteCount(t);
      const cases: Array<[Json, string]> = [
        [{ role: 'no-such-role' }, 'role'],
        [{ role: 'Bad Role!' }, 'role'],
        [{ role: 42 }, 'role'],
        [{ email: 'not-an-email' }, 'email'],
        [{ expiresInHours: 0 }, 'expiresInHours'],
        [{ expiresInHours: 721 }, 'expiresInHours'],
        [{ expiresInHours: 1.5 }, 'expiresInHours'],
        [{ expiresInHours: '24' }, 'expiresInHours'],
      ];
      for (const [payload, field] of cases) {
        const res = await t.rest({
          method: 'POST',
          url: '/api/v1/admin/invites',
          token: adminToken,
          payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.json()), JSON.stringify(payload)).toContain(field);
      }
      const gql = await t.gql(CREATE_INVITE, {
        token: adminToken,
        variables: { input: { expiresInHours: 721 } },
      });
      expect(gqlError(gql.body).extensions.code).toBe('BAD_USER_INPUT');
      expect(gqlError(gql.body).extensions.errors?.map((e) => e.field)).toEqual(['expiresInHours']);
      expect(await inviteCount(t)).toBe(before);
    });
  });

  describe('REGISTRATION_MODE=open (the default)', () => {
    const admin = bootstrapAdmin('open-admin');
    let t: TestApp;
    beforeAll(async () => {
      t = await boot({ ...admin.env });
    });
    afterAll(() => t?.close());

    it('registers without an invite over REST and GraphQL', async () => {
      await registerUser(t);
      const email = uniqueEmail('open-gql');
      const res = await gqlRegister(t, { email, password: STRONG_PASSWORD });
      expect(res.json().data.register.user.email, res.body).toBe(email);
    });

    it('honours an invite when one is given (role granted, single use) and refuses a bad one', async () => {
      const adminToken = await admin.signIn(t);
      const created = await invite(t, adminToken, { role: 'admin' });
      const email = uniqueEmail('open-invited');
      const res = await restRegister(t, {
        email,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().user.roles).toEqual(['admin', 'user']);
      const bad = uniqueEmail('open-bad');
      const reuse = await restRegister(t, {
        email: bad,
        password: STRONG_PASSWORD,
        inviteToken: created.token,
      });
      expect(reuse.statusCode).toBe(400);
      expect(fieldsOf(reuse.json())).toEqual(['inviteToken']);
      expect(await usersWithEmail(t, bad)).toBe(0);
    });
  });
});

/** A user registered with a fresh invite (invite mode), signed in. */
async function registerWithInvite(t: TestApp, adminToken: string) {
  const created = await invite(t, adminToken);
  const email = uniqueEmail('member');
  const res = await restRegister(t, {
    email,
    password: STRONG_PASSWORD,
    inviteToken: created.token,
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().user.id as string, email, accessToken: res.json().accessToken as string };
}

/** A signed-in user holding `roles` (granted by the admin API), registered through an invite. */
async function createUserWithRoles(
  t: TestApp,
  adminToken: string,
  roles: string[],
): Promise<string> {
  const user = await registerWithInvite(t, adminToken);
  for (const role of roles) {
    const res = await t.rest({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/roles`,
      token: adminToken,
      payload: { role },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  return (await login(t, user.email, STRONG_PASSWORD)).accessToken;
}
