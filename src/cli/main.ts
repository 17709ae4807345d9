import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigValidationError } from '../config/env.schema.js';
import { loadDotEnvFile, loadEnv } from '../config/load-env.js';
import { type CliCommand, CliFailure, type CliInput, print, UsageError } from './cli-command.js';
import { refusal } from './cli-runtime.js';
import { accountCommands } from './commands/account.commands.js';
import { backupCommands } from './commands/backup.commands.js';
import { cleanupCommand } from './commands/cleanup.command.js';
import { keyCommands } from './commands/keys.commands.js';
import { migrationCommands } from './commands/migrate.commands.js';
import { schemaCommand } from './commands/schema.command.js';
import { seedCommand } from './commands/seed.command.js';

const COMMANDS: CliCommand[] = [
  ...migrationCommands,
  ...accountCommands,
  seedCommand,
  cleanupCommand,
  ...backupCommands,
  ...keyCommands,
  schemaCommand,
];

const USAGE_LINE = 'usage: npm run cli -- <command> [options]   (<command> --help for details)';

const usageOf = (command: CliCommand): string =>
  `usage: npm run cli -- ${command.name}${command.args ? ` ${command.args}` : ''}`;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    USAGE_LINE,
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Configuration comes from the environment and .env (see docs/configuration.md).',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return [
    usageOf(command),
    '',
    `  ${command.summary}`,
    ...(command.details ?? []).map((l) => `  ${l}`),
  ].join('\n');
}

function parseInput(command: CliCommand, args: string[]): CliInput & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usageOf(command));
  }
  const { help, ...rest } = parsed.values as Record<string, string | boolean | undefined>;
  const flags: CliInput['flags'] = rest;
  const [min, max] = command.positionals ?? [0, 0];
  const count = parsed.positionals.length;
  if (!help && (count < min || count > max)) {
    throw new UsageError(
      count < min ? 'missing argument' : `unexpected argument '${parsed.positionals[max]}'`,
      usageOf(command),
    );
  }
  return { positionals: parsed.positionals, flags, help: help === true };
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(topHelp());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command '${name}'`, USAGE_LINE);
  const input = parseInput(command, rest);
  if (input.help) {
    print(commandHelp(command));
    return 0;
  }
  loadDotEnvFile();
  if (command.needsConfig !== false) loadEnv();
  await command.run(input);
  return 0;
}

/** One line for what the user can fix; the stack only for the unexpected. */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${error.usage}\n`);
    return 2;
  }
  const known = error instanceof CliFailure ? error : refusal(error);
  if (known || error instanceof ConfigValidationError) {
    process.stderr.write(`${(known ?? (error as Error)).message}\n`);
    return 1;
  }
  // Tool failures (pg_dump, S3, a refused connection) read best as their message alone.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
