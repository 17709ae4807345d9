import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAST_AUTH, registerUser } from '../factories/user.factory.js';
import { bootApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { answered, type OwnService, startOwnPostgres } from '../support/own-services.js';

// A file of its own: one worker process per drill, so neither inherits the other's clients.
describe('outage drill: a PostgreSQL the test starts and stops itself', () => {
  // The queues on the same PostgreSQL (the default without REDIS_URL), then on Redis.
  describe.each([
    { queues: 'postgres', redis: false },
    { queues: 'redis', redis: true },
  ])('PostgreSQL down, queues on $queues', ({ redis }) => {
    let postgres: OwnService;
    let t: TestApp;

    const available = !redis || inject('redisUrl') !== null;

    beforeAll(async () => {
      if (!available) return;
      postgres = await startOwnPostgres();
      t = await bootApp({
        redis,
        env: {
          ...FAST_AUTH,
          DATABASE_URL: postgres.url,
          HEALTH_CHECK_TIMEOUT_MS: '500',
        },
      });
    });
    afterAll(async () => {
      await postgres?.start();
      await t?.close();
      await postgres?.dispose();
    });

    it('answers 503 with Retry-After on both transports, stays alive, and recovers', async (ctx) => {
      if (!available) ctx.skip('Redis is not reachable (the Redis variant of the drill)');
      const user = await registerUser(t);
      await postgres.stop();

      const rest = await answered(
        'users/me',
        t.rest({ url: '/api/v1/users/me', token: user.accessToken }),
      );
      expect(rest.statusCode, rest.body).toBe(503);
      expect(rest.json().code).toBe('SERVICE_UNAVAILABLE');
      expect(rest.headers['retry-after']).toBeDefined();

      const gql = await answered('me', t.gql('{ me { id } }', { token: user.accessToken }));
      expect(gql.statusCode, gql.body).toBe(503);
      expect(gql.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

      const signIn = await answered(
        'login',
        t.rest({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: user.email, password: user.password },
        }),
      );
      expect(signIn.statusCode, signIn.body).toBe(503);

      expect((await t.rest({ url: '/health' })).statusCode).toBe(200);
      expect((await answered('ready', t.rest({ url: '/ready' }))).statusCode).toBe(503);

      await postgres.start();
      await eventually(async () => {
        const res = await t.rest({ url: '/api/v1/users/me', token: user.accessToken });
        expect(res.statusCode).toBe(200);
      }, 20_000);
      await eventually(async () => expect((await t.rest({ url: '/ready' })).statusCode).toBe(200));
    });
  });
});
