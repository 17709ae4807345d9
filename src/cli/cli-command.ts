import type { ParseArgsConfig } from 'node:util';

type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface CliInput {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

export interface CliCommand {
  name: string;
  /** `<email>`, `[--force]`…: what follows the command name in the usage line. */
  args: string;
  summary: string;
  /** Extra lines for `<command> --help`. */
  details?: string[];
  options?: CliOptions;
  /** How many positionals it takes: [min, max]. */
  positionals?: [number, number];
  /** Whether it needs the validated configuration (all but `--help`-like commands do). */
  needsConfig?: boolean;
  run(input: CliInput): Promise<void>;
}

/** A mistake in the command line: exit 2 with the usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A refusal the user can fix (weak password, unknown user…): one line, exit 1. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

export const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
