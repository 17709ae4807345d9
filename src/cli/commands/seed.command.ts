import type { INestApplicationContext } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { appConfig } from '../../config/app.config.js';
import { PasswordService } from '../../modules/auth/password.service.js';
import { ensureAdminAccount, UsersRepository } from '../../modules/auth/users.repository.js';
import { FilesService } from '../../modules/files/files.service.js';
import { NotificationsService } from '../../modules/notifications/notifications.service.js';
import { SYSTEM_ANNOUNCEMENT } from '../../modules/notifications/system-notification-types.js';
import { type CliCommand, CliFailure, print } from '../cli-command.js';
import { withApp } from '../cli-runtime.js';

/** Known on purpose: demo accounts are for trying the API, never for production. */
export const DEMO_PASSWORD = 'demo-Starter-2048';

export const DEMO_USERS = [
  { email: 'alice@example.com', username: 'alice', admin: true },
  { email: 'bob@example.com', username: 'bob', admin: false },
  { email: 'carol@example.com', username: 'carol', admin: false },
] as const;

const demoFile = (username: string): { name: string; body: string } => ({
  name: `welcome-${username}.txt`,
  body: `Hello ${username}! This file was created by \`npm run cli -- seed\`.\n`,
});

/** Creates the user verified (or finds it); returns its id and whether it was created. */
async function ensureDemoUser(
  app: INestApplicationContext,
  user: (typeof DEMO_USERS)[number],
  passwordHash: string,
): Promise<{ id: string; created: boolean }> {
  const users = app.get(UsersRepository);
  const existing = await users.getByEmailWithPassword(user.email);
  if (existing) return { id: existing.id, created: false };
  if (user.admin) {
    await ensureAdminAccount(app.get(DataSource).manager, user.email, passwordHash);
  } else {
    const created = await users.create({ ...user, passwordHash });
    if (created) await users.markEmailVerified(created.id);
  }
  const row = await users.getByEmailWithPassword(user.email);
  if (!row) throw new Error(`could not create ${user.email}`);
  return { id: row.id, created: true };
}

async function seed(app: INestApplicationContext): Promise<void> {
  const passwordHash = await app.get(PasswordService).hash(DEMO_PASSWORD);
  const db = app.get(DataSource);
  let createdAny = false;
  for (const user of DEMO_USERS) {
    const { id, created } = await ensureDemoUser(app, user, passwordHash);
    createdAny ||= created;
    const [{ n }] = await db.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM files WHERE owner_id = $1',
      [id],
    );
    if (n === 0) {
      const file = demoFile(user.username);
      await app.get(FilesService).upload({ id, roles: ['user'] }, 'attachment', {
        stream: Readable.from([Buffer.from(file.body)]),
        filename: file.name,
        mimeType: 'text/plain',
      });
    }
    await app.get(NotificationsService).notify(SYSTEM_ANNOUNCEMENT, {
      userId: id,
      title: 'Welcome to the demo',
      body: 'Try GET /api/v1/notifications, the GraphQL playground, and uploads.',
      dedupeKey: 'seed-welcome',
    });
    print(`${created ? 'created' : 'exists '} ${user.email}${user.admin ? ' (admin)' : ''}`);
  }
  if (createdAny) print(`demo password (all demo accounts): ${DEMO_PASSWORD}`);
  else print('demo data already present (the demo password was printed when it was created)');
}

export const seedCommand: CliCommand = {
  name: 'seed',
  args: '[--force]',
  summary: 'demo data: users (one admin), a file and a notification each; idempotent',
  details: ['Refuses when NODE_ENV=production unless --force.'],
  options: { force: { type: 'boolean' } },
  run: async ({ flags }) => {
    if (appConfig().env === 'production' && flags.force !== true) {
      throw new CliFailure('seed refuses to run with NODE_ENV=production (use --force to insist)');
    }
    await withApp(seed);
  },
};
