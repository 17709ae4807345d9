import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type JwtAlgorithm, parseJwtKeys } from '../../src/config/jwt-keys.js';
import { migrations } from '../../migrations/index.js';
import { DEMO_PASSWORD } from '../../src/cli/commands/seed.command.js';
import { bootApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { cliEnv, freshDatabase, runCli } from '../support/cli-runner.js';

// Each command is a fresh Node process compiling the CLI on the fly: seconds each, more on a
// loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const COMMANDS = [
  'migrate',
  'migrate:revert',
  'migrate:status',
  'create-admin',
  'reset-password',
  'seed',
  'cleanup',
  'backup',
  'restore',
  'secrets',
  'keys',
  'schema',
];
const PRODUCTION_SECRETS = {
  JWT_SECRET: TEST_JWT_SECRET,
  SIGNING_SECRET: 'b4f1c9e07b5d42e8a61f0c3d9b7e25f4c8a0d6e1b3f7092c5e4d8a1b6c3f0e98',
};

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('CLI: usage', () => {
  it('--help lists every command and exits 0', async () => {
    const run = await runCli(['--help'], {});
    expect(run.code).toBe(0);
    for (const name of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('every command answers --help with its usage line, without any configuration', async () => {
    const runs = await Promise.all(COMMANDS.map((name) => runCli([name, '--help'], {})));
    runs.forEach((run, i) => {
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n')[0]).toMatch(
        new RegExp(`^usage: npm run cli -- ${COMMANDS[i]}( |$)`),
      );
    });
  }, 180_000);

  it('an unknown command or flag exits 2 with the usage line', async () => {
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe(
      "unknown command 'frobnicate'\nusage: npm run cli -- <command> [options]   (<command> --help for details)\n",
    );
    const flag = await runCli(['migrate', '--dry-run'], {});
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n').at(-1)).toBe('usage: npm run cli -- migrate');
    const missing = await runCli(['create-admin'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'missing argument\nusage: npm run cli -- create-admin <email> [--password-stdin]\n',
    );
  });
});

describe('CLI: keys and secrets', () => {
  it('keys prints a key pair the app accepts (ed25519 by default, rsa, hs256)', async () => {
    for (const [kind, algorithm] of [
      [[], 'EdDSA'],
      [['rsa'], 'RS256'],
    ] as const) {
      const run = await runCli(['keys', ...kind], {});
      expect(run.code).toBe(0);
      const env = Object.fromEntries(
        run.stdout
          .split('\n')
          .filter((line) => /^[A-Z_]+=/.test(line))
          .map((line) => [
            line.slice(0, line.indexOf('=')),
            line.slice(line.indexOf('=') + 1).replace(/^"|"$/g, ''),
          ]),
      );
      expect(env.JWT_ALGORITHM).toBe(algorithm);
      const parsed = parseJwtKeys({ ...env, JWT_ALGORITHM: env.JWT_ALGORITHM as JwtAlgorithm });
      expect(parsed.problems).toEqual([]);
      expect(parsed.keys?.keyId).toBe(env.JWT_KEY_ID);
    }
    const hs = await runCli(['keys', 'hs256'], {});
    expect(hs.stdout).toMatch(/^JWT_ALGORITHM=HS256\nJWT_SECRET=\S{40,}\n$/);
    const bad = await runCli(['keys', 'dsa'], {});
    expect(bad.code).toBe(2);
  });
});

describe('CLI: migrations', () => {
  it('migrate:status lists every migration with its state; migrate and migrate:revert change it', async () => {
    const url = await freshDatabase('cli_mig');
    const names = migrations.map((m) => new m().name);
    const before = await runCli(['migrate:status'], cliEnv(url));
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(
      `${names.map((n) => `[ ] ${n}`).join('\n')}\n${names.length} pending\n`,
    );

    const migrate = await runCli(['migrate'], cliEnv(url));
    expect(migrate).toMatchObject({ code: 0, stdout: `applied: ${names.join(', ')}\n` });

    const revert = await runCli(['migrate:revert'], cliEnv(url));
    expect(revert).toMatchObject({ code: 0, stdout: `reverted ${names.at(-1)}\n` });
    const after = await runCli(['migrate:status'], cliEnv(url));
    expect(after.stdout).toBe(
      `${names.map((n, i) => `${i < names.length - 1 ? '[x]' : '[ ]'} ${n}`).join('\n')}\n1 pending\n`,
    );
  }, 180_000);
});

describe('CLI: accounts, seed, cleanup', () => {
  let url: string;
  let filesRoot: string;
  let t: TestApp;
  const env = (): Record<string, string> => cliEnv(url, { FILES_LOCAL_ROOT: filesRoot });

  beforeAll(async () => {
    url = await freshDatabase('cli_acc');
    filesRoot = await mkdtemp(join(tmpdir(), 'cli-files-'));
    const seed = await runCli(['seed'], env());
    expect(seed.stderr).toBe('');
    expect(seed.stdout).toBe(
      'created alice@example.com (admin)\ncreated bob@example.com\ncreated carol@example.com\n' +
        `demo password (all demo accounts): ${DEMO_PASSWORD}\n`,
    );
    t = await bootApp({ env: { DATABASE_URL: url, FILES_LOCAL_ROOT: filesRoot } });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await rm(filesRoot, { recursive: true, force: true });
  });

  const counts = async (): Promise<Record<string, number>> => {
    const [row] = await query<Record<string, number>>(
      url,
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM files) AS files,
              (SELECT count(*)::int FROM notifications) AS notifications`,
    );
    return row;
  };

  it('seed created verified demo users, one file (bytes on disk) and one notification each', async () => {
    expect(await counts()).toEqual({ users: 3, files: 3, notifications: 3 });
    const login = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'alice@example.com', password: DEMO_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const me = await t.rest({ url: '/api/v1/users/me', token: login.json().accessToken });
    expect(me.json().roles).toEqual(expect.arrayContaining(['admin', 'user']));
    const files = await t.rest({ url: '/api/v1/files', token: login.json().accessToken });
    const [file] = files.json().items;
    const body = await t.rest({
      url: `/api/v1/files/${file.id}/content`,
      token: login.json().accessToken,
    });
    expect(body.body).toBe('Hello alice! This file was created by `npm run cli -- seed`.\n');
  });

  it('seed is idempotent and refuses production without --force', async () => {
    const again = await runCli(['seed'], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/demo data already present/);
    expect(again.stdout).not.toContain(DEMO_PASSWORD);
    expect(await counts()).toEqual({ users: 3, files: 3, notifications: 3 });

    const production = await runCli(['seed'], {
      ...env(),
      NODE_ENV: 'production',
      ...PRODUCTION_SECRETS,
    });
    expect(production).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'seed refuses to run with NODE_ENV=production (use --force to insist)\n',
    });
    expect(await counts()).toEqual({ users: 3, files: 3, notifications: 3 });
  }, 180_000);

  it('create-admin shows the password rule when it refuses, and writes nothing', async () => {
    const weak = await runCli(['create-admin', 'root@example.com'], env(), 'short\n');
    expect(weak).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'password must be at least 10 characters\n',
    });
    const common = await runCli(
      ['create-admin', 'root@example.com', '--password-stdin'],
      env(),
      'password123\n',
    );
    expect(common.stderr).toBe('password is too common\n');
    expect(await query(url, 'SELECT 1 FROM users WHERE email = $1', ['root@example.com'])).toEqual(
      [],
    );

    const ok = await runCli(
      ['create-admin', 'Root@Example.com'],
      env(),
      'a fine admin passphrase\n',
    );
    expect(ok).toMatchObject({ code: 0, stdout: 'root@example.com: created\n' });
    const login = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'root@example.com', password: 'a fine admin passphrase' },
    });
    expect(login.statusCode).toBe(200);
  }, 180_000);

  it("reset-password sets the password and revokes the user's sessions", async () => {
    const login = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'bob@example.com', password: DEMO_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const weak = await runCli(['reset-password', 'bob@example.com'], env(), 'bob\n');
    expect(weak).toMatchObject({ code: 1, stderr: 'password must be at least 10 characters\n' });
    const unknown = await runCli(
      ['reset-password', 'nobody@example.com'],
      env(),
      'a new long passphrase\n',
    );
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'no account with the email nobody@example.com\n',
    });

    const reset = await runCli(
      ['reset-password', 'bob@example.com'],
      env(),
      'a new long passphrase\n',
    );
    expect(reset).toMatchObject({
      code: 0,
      stdout: 'bob@example.com: password reset, 1 session(s) revoked\n',
    });
    const refresh = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: login.json().refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const old = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'bob@example.com', password: DEMO_PASSWORD },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'bob@example.com', password: 'a new long passphrase' },
    });
    expect(fresh.statusCode).toBe(200);
  }, 180_000);

  it('cleanup runs every retention job once and reports each', async () => {
    await query(
      url,
      `UPDATE files SET deleted_at = now() - interval '30 days' WHERE name = 'welcome-carol.txt'`,
    );
    const run = await runCli(['cleanup'], env());
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'files: 1 purged, 0 orphans removed, 0 temporary files removed, 0 requeued\n' +
        'audit: 0 entries deleted\nnotifications: 0 deleted\nexports: 0 expired files removed\n',
    );
    const [carol] = await query<{ purged_at: Date | null }>(
      url,
      `SELECT purged_at FROM files WHERE name = 'welcome-carol.txt'`,
    );
    expect(carol.purged_at).not.toBeNull();
  }, 180_000);
});

describe('start-up with a refused ADMIN_PASSWORD', () => {
  it('exits 1 with one line naming the variable and the rule', async () => {
    const url = await freshDatabase('cli_boot');
    const child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'src/main.ts'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          ...cliEnv(url, {
            ADMIN_EMAIL: 'boss@example.com',
            ADMIN_PASSWORD: 'admin',
            PORT: '0',
            HOST: '127.0.0.1',
          }),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('Startup failed: ADMIN_PASSWORD must be at least 10 characters\n');
  }, 180_000);
});
