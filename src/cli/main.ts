import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { appConfig } from '../config/app.config.js';
import { authConfig } from '../config/auth.config.js';
import { databaseConfig } from '../config/database.config.js';
import { ConfigValidationError } from '../config/env.schema.js';
import { loadDotEnvFile, loadEnv } from '../config/load-env.js';
import { generateJwtKeyLines } from '../config/jwt-keys.js';
import { generateSecret } from '../config/secrets.js';
import { buildDataSourceOptions } from '../core/database/data-source.options.js';
import { resolveDatabaseUrl } from '../core/database/database-url.js';
import { stopEmbeddedPostgres } from '../core/database/embedded-postgres.js';
import { ensureAdmin } from '../modules/auth/admin-bootstrap.js';
import { PasswordService } from '../modules/auth/password.service.js';

const USAGE = `usage: npm run cli -- <command>

  migrate          apply pending migrations
  migrate:revert   revert the last applied migration
  migrate:status   list migrations and whether each is applied
  create-admin <email>
                   create (or promote) an admin; the password is read from ADMIN_PASSWORD
                   or, when that is unset, from the first line of standard input
  secrets          print fresh strong values for JWT_SECRET and SIGNING_SECRET
  keys ed25519|rsa print a fresh JWT signing key pair and its kid as env lines
                   (JWT_ALGORITHM, JWT_KEY_ID, JWT_PRIVATE_KEY; the public key for rotation)
  schema           write the GraphQL schema to schema.graphql`;

async function readFirstLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split('\n')[0].trim();
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function withDataSource<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const db = databaseConfig();
  const url = await resolveDatabaseUrl(db, print);
  const ds = new DataSource(buildDataSourceOptions(db, url, `${appConfig().name}:cli`));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
    await stopEmbeddedPostgres();
  }
}

const commands: Record<string, () => Promise<void>> = {
  migrate: () =>
    withDataSource(async (ds) => {
      const applied = await ds.runMigrations({ transaction: 'each' });
      print(
        applied.length
          ? `applied: ${applied.map((m) => m.name).join(', ')}`
          : 'no pending migrations',
      );
    }),
  'migrate:revert': () =>
    withDataSource(async (ds) => {
      await ds.undoLastMigration({ transaction: 'each' });
      print('reverted the last migration');
    }),
  'migrate:status': () =>
    withDataSource(async (ds) => {
      const pending = await ds.showMigrations();
      print(pending ? 'there are pending migrations' : 'all migrations are applied');
    }),
  'create-admin': async () => {
    const email = process.argv[3]?.trim().toLowerCase();
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error('usage: create-admin <email>');
    const password = process.env.ADMIN_PASSWORD ?? (await readFirstLine());
    const passwords = new PasswordService(authConfig());
    await withDataSource(async (ds) => {
      await ds.runMigrations({ transaction: 'each' });
      print(`${email}: ${await ensureAdmin(ds, passwords, email, password)}`);
    });
  },
  secrets: async () => {
    print(`JWT_SECRET=${generateSecret()}`);
    print(`SIGNING_SECRET=${generateSecret()}`);
  },
  keys: async () => {
    const kind = process.argv[3];
    if (kind !== 'ed25519' && kind !== 'rsa') throw new Error('usage: keys ed25519|rsa');
    for (const line of generateJwtKeyLines(kind)) print(line);
  },
  schema: async () => {
    const { GraphQLSchemaHost } = await import('@nestjs/graphql');
    const { lexicographicSortSchema, printSchema } = await import('graphql');
    const { createApp } = await import('../bootstrap.js');
    const app = await createApp();
    const schema = app.get(GraphQLSchemaHost).schema;
    writeFileSync('schema.graphql', `${printSchema(lexicographicSortSchema(schema))}\n`);
    await app.close();
    await stopEmbeddedPostgres();
    print('wrote schema.graphql');
  },
};

async function main(): Promise<void> {
  loadDotEnvFile();
  const name = process.argv[2];
  const command = name ? commands[name] : undefined;
  if (!command) {
    print(USAGE);
    process.exit(name ? 2 : 0);
  }
  try {
    loadEnv();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  await command();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
