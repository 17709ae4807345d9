import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';

/** App env for specs that sign many users in: no rate limits in the way, cheap argon2. */
export const FAST_AUTH = {
  RATE_LIMIT_STRICT: '10000/1m',
  RATE_LIMIT_DEFAULT: '10000/1m',
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_ITERATIONS: '1',
} as const;

export const STRONG_PASSWORD = 'correct horse battery staple';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export const uniqueEmail = (prefix = 'user'): string =>
  `${prefix}-${randomUUID().slice(0, 12)}@example.com`;

/** Registers a user through the real REST API. */
export async function registerUser(
  t: TestApp,
  overrides: { email?: string; password?: string; username?: string } = {},
): Promise<RegisteredUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? STRONG_PASSWORD;
  const res = await t.rest({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, ...(overrides.username ? { username: overrides.username } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

/** Logs in through the real REST API and returns the token pair. */
export async function login(t: TestApp, email: string, password: string) {
  const res = await t.rest({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { accessToken: string; refreshToken: string };
}

/** Deletes the user's own account through the real REST API (restorable, see AUTH_ACCOUNT_RESTORE_DAYS). */
export async function deleteAccount(t: TestApp, user: RegisteredUser): Promise<void> {
  const res = await t.rest({
    method: 'DELETE',
    url: '/api/v1/users/me',
    token: user.accessToken,
    payload: { password: user.password },
  });
  expect(res.statusCode, res.body).toBe(204);
}
