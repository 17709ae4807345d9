import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';

const PG_LIB = '/usr/lib/postgresql';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a PostgreSQL client tool: the configured one, else the newest version installed
 * under /usr/lib/postgresql (Debian keeps several side by side; a newer pg_dump reads older
 * servers), else the first on PATH.
 */
export function findPgTool(
  name: 'pg_dump' | 'pg_restore',
  configured: string | undefined,
  searchPath: string,
): string {
  if (configured) return configured;
  let versions: string[];
  try {
    versions = readdirSync(PG_LIB).filter((v) => /^\d+$/.test(v));
  } catch {
    versions = [];
  }
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const candidate = join(PG_LIB, version, 'bin', name);
    if (executable(candidate)) return candidate;
  }
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  const variable = name === 'pg_dump' ? 'BACKUP_PG_DUMP' : 'BACKUP_PG_RESTORE';
  throw new Error(`${name} not found: install the PostgreSQL client tools or set ${variable}`);
}

/** The connection URL without its password, which travels in PGPASSWORD (not in `ps`). */
export function pgConnection(url: string): { url: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** The database a connection URL names. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/**
 * Runs a tool with `env` added to this process's environment; `consume` reads its stdout.
 * Rejects with the tool's last stderr lines when it exits non-zero.
 */
export async function runTool(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; consume?: (stdout: Readable) => Promise<void> } = {},
): Promise<void> {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.consume ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim() || 'no output'}`));
    });
  });
  const consumed = options.consume && child.stdout ? options.consume(child.stdout) : undefined;
  await Promise.all([exited, consumed]);
}
