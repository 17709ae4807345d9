import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_AUTH } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { bootstrapAdmin, createUser } from '../support/users.js';

describe('test support: users with roles and authenticated clients', () => {
  let t: TestApp;
  let adminToken: string;
  const admin = bootstrapAdmin('support-admin');

  beforeAll(async () => {
    t = await bootApp({ env: { ...FAST_AUTH, ...admin.env } });
    adminToken = await admin.signIn(t);
  });
  afterAll(() => t?.close());

  it('createUser grants the roles, and t.as() sends its token on REST and GraphQL', async () => {
    const promoted = await createUser(t, { roles: ['admin'], adminToken });
    const client = t.as(promoted.accessToken);

    const details = await client.rest({ url: '/health/details' });
    expect(details.statusCode, details.body).toBe(200);
    const me = await client.gql('{ me { email roles } }');
    expect(me.json().data.me).toEqual({ email: promoted.email, roles: ['admin', 'user'] });

    const plain = await createUser(t, { roles: ['user'], adminToken });
    expect((await t.as(plain.accessToken).rest({ url: '/health/details' })).statusCode).toBe(403);
  });
});
