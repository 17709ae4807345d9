import { authConfig } from '../../config/auth.config.js';
import { ensureAdmin } from '../../modules/auth/admin-bootstrap.js';
import { PasswordService } from '../../modules/auth/password.service.js';
import { SessionsRepository } from '../../modules/auth/sessions.repository.js';
import { UsersRepository } from '../../modules/auth/users.repository.js';
import { type CliCommand, CliFailure, print, UsageError } from '../cli-command.js';
import { refusal, withApp, withDataSource } from '../cli-runtime.js';
import { readSecret } from '../prompt.js';

const PASSWORD_OPTIONS = { 'password-stdin': { type: 'boolean' } } as const;
const PASSWORD_DETAILS = [
  'The password is asked twice without echo on a terminal; otherwise (or with',
  '--password-stdin) it is the first line of standard input.',
];

function emailArgument(value: string | undefined, usage: string): string {
  const email = value?.trim().toLowerCase();
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new UsageError('an email is required', usage);
  return email;
}

/** Reads the password and checks the strength rules before anything touches the database. */
async function strongPassword(
  passwords: PasswordService,
  field: string,
  email: string,
  fromStdin: boolean,
): Promise<string> {
  const password = await readSecret('Password', fromStdin);
  try {
    passwords.assertStrong(password, field, email);
  } catch (error) {
    throw refusal(error) ?? error;
  }
  return password;
}

export const accountCommands: CliCommand[] = [
  {
    name: 'create-admin',
    args: '<email> [--password-stdin]',
    summary: 'create an admin (or grant the admin role to an existing account)',
    details: PASSWORD_DETAILS,
    options: PASSWORD_OPTIONS,
    positionals: [1, 1],
    run: async ({ positionals, flags }) => {
      const email = emailArgument(positionals[0], 'create-admin <email> [--password-stdin]');
      const passwords = new PasswordService(authConfig());
      const password = await strongPassword(
        passwords,
        'password',
        email,
        flags['password-stdin'] === true,
      );
      await withDataSource(async (ds) => {
        await ds.runMigrations({ transaction: 'each' });
        print(`${email}: ${await ensureAdmin(ds, passwords, email, password)}`);
      });
    },
  },
  {
    name: 'reset-password',
    args: '<email> [--password-stdin]',
    summary: "set a user's password and revoke all of their sessions",
    details: PASSWORD_DETAILS,
    options: PASSWORD_OPTIONS,
    positionals: [1, 1],
    run: async ({ positionals, flags }) => {
      const email = emailArgument(positionals[0], 'reset-password <email> [--password-stdin]');
      const password = await strongPassword(
        new PasswordService(authConfig()),
        'password',
        email,
        flags['password-stdin'] === true,
      );
      await withApp(async (app) => {
        const users = app.get(UsersRepository);
        const user = await users.getByEmailWithPassword(email);
        if (!user) throw new CliFailure(`no account with the email ${email}`);
        await users.updatePasswordHash(user.id, await app.get(PasswordService).hash(password));
        const revoked = await app
          .get(SessionsRepository)
          .revokeAllExcept(user.id, undefined, 'password_reset');
        print(`${email}: password reset, ${revoked} session(s) revoked`);
      });
    },
  },
];
