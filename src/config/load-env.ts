import { existsSync } from 'node:fs';
import { type Env, parseEnv } from './env.schema.js';

/** The one place that reads process.env. */
export function loadEnv(): Env {
  return parseEnv(process.env);
}

/** Loads `.env` (if present) without overriding variables already set. */
export function loadDotEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export const isProduction = (env: Env): boolean => env.NODE_ENV === 'production';
