import { afterAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp, TEST_JWT_SECRET, workerDatabaseUrl } from '../support/app.js';
import { runCli } from '../support/cli-runner.js';
import { login, registerUser, uniqueEmail } from '../factories/user.factory.js';

const FAST = { ARGON2_MEMORY_KIB: '8192', ARGON2_ITERATIONS: '1', RATE_LIMIT_STRICT: '1000/1m' };
const PASSWORD = 'the first admin passphrase';

describe('first admin', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const boot = async (env: Record<string, string>) => {
    const t = await bootApp({ env: { ...FAST, ...env } });
    apps.push(t);
    return t;
  };

  it('ADMIN_EMAIL/ADMIN_PASSWORD create a verified admin at start, who can read /health/details', async () => {
    const email = uniqueEmail('admin');
    const t = await boot({ ADMIN_EMAIL: email, ADMIN_PASSWORD: PASSWORD });
    const tokens = await login(t, email, PASSWORD);
    const me = await t.rest({ url: '/api/v1/users/me', token: tokens.accessToken });
    expect(me.json()).toMatchObject({ email, emailVerified: true, roles: ['admin', 'user'] });
    const details = await t.rest({ url: '/health/details', token: tokens.accessToken });
    expect(details.statusCode).toBe(200);
  });

  it('promotes an existing account and leaves its password alone', async () => {
    const plain = await boot({});
    const user = await registerUser(plain);
    const t = await boot({ ADMIN_EMAIL: user.email, ADMIN_PASSWORD: PASSWORD });
    const tokens = await login(t, user.email, user.password);
    const me = await t.rest({ url: '/api/v1/users/me', token: tokens.accessToken });
    expect(me.json().roles).toEqual(['admin', 'user']);
  });

  it('refuses to start with a weak ADMIN_PASSWORD', async () => {
    await expect(
      bootApp({ env: { ...FAST, ADMIN_EMAIL: uniqueEmail('weak'), ADMIN_PASSWORD: 'admin' } }),
    ).rejects.toThrow(/password is too weak/i);
  });

  it('the CLI creates an admin: npm run cli -- create-admin <email> (password on stdin)', async () => {
    const email = uniqueEmail('cli');
    const cli = await runCli(
      ['create-admin', email, '--password-stdin'],
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: await workerDatabaseUrl(),
        JWT_SECRET: TEST_JWT_SECRET,
        ...FAST,
      },
      `${PASSWORD}\n`,
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${email}: created`);
    const t = await boot({});
    await login(t, email, PASSWORD);
  }, 60_000);
});
