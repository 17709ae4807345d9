import { expect } from 'vitest';
import {
  login,
  registerUser,
  type RegisteredUser,
  uniqueEmail,
} from '../factories/user.factory.js';
import type { TestApp } from './app.js';

/** The admin the app creates at start from ADMIN_EMAIL / ADMIN_PASSWORD. */
export interface BootstrapAdmin {
  email: string;
  password: string;
  /** Pass to `bootApp({ env })`. */
  env: { ADMIN_EMAIL: string; ADMIN_PASSWORD: string };
  /** Signs the admin in through the real REST API; answers the access token. */
  signIn(t: TestApp): Promise<string>;
}

export function bootstrapAdmin(prefix = 'admin'): BootstrapAdmin {
  const email = uniqueEmail(prefix);
  const password = `the ${prefix} passphrase of this spec`;
  return {
    email,
    password,
    env: { ADMIN_EMAIL: email, ADMIN_PASSWORD: password },
    signIn: async (t) => (await login(t, email, password)).accessToken,
  };
}

/**
 * Registers a user, has an admin grant it `roles` through the admin API, and signs it in again
 * so that its tokens carry them.
 */
export async function createUser(
  t: TestApp,
  { roles, adminToken }: { roles: string[]; adminToken: string },
): Promise<RegisteredUser> {
  const user = await registerUser(t);
  for (const role of roles.filter((r) => r !== 'user')) {
    const res = await t.rest({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/roles`,
      token: adminToken,
      payload: { role },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  return { ...user, ...(await login(t, user.email, user.password)) };
}
