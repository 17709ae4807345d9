import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, Throttle, type ThrottlerStorage } from '@nestjs/throttler';
import { afterEach, describe, expect, it } from 'vitest';
import { AppException } from '../errors/app.exception.js';
import { GqlThrottlerGuard } from './gql-throttler.guard.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RateLimit } from './rate-limit.decorator.js';

class Routes {
  plain(): void {}
  @RateLimit('strict')
  strict(): void {}
  @SkipThrottle({ default: true })
  skipped(): void {}
  @Throttle({ default: { limit: () => 1, ttl: 60_000 } })
  computed(): void {}
}

// A REST controller and its GraphQL twin, as feature modules write them.
class LoginController {
  @RateLimit('strict')
  login(): void {}
  @RateLimit('strict')
  refresh(): void {}
}
class LoginResolver {
  @RateLimit('strict')
  login(): void {}
  @RateLimit('strict', { bucket: 'refresh' })
  refreshToken(): void {}
  @RateLimit('strict')
  unrelated(): void {}
  plain(): void {}
}

const throttlers = [
  { name: 'default', limit: 3, ttl: 60_000 },
  { name: 'strict', limit: 1, ttl: 60_000 },
];

function contextFor(handler: keyof Routes, ip = '203.0.113.7') {
  const headers: Record<string, string> = {};
  const req = { ip, user: undefined as { id: string } | undefined };
  const res = { header: (name: string, value: unknown) => (headers[name] = String(value)) };
  const context = new ExecutionContextHost([req, res], Routes, Routes.prototype[handler]);
  context.setType('http');
  return { context: context as ExecutionContext, headers, req };
}

function twinContext<T extends object>(
  cls: new () => T,
  handler: keyof T,
  type: 'http' | 'graphql',
  ip = '203.0.113.7',
) {
  const headers: Record<string, string> = {};
  const req = { ip, user: undefined };
  const res = {
    request: req,
    header: (name: string, value: unknown) => (headers[name] = String(value)),
  };
  const method = cls.prototype[handler] as (...args: unknown[]) => unknown;
  // GraphQL resolvers receive (root, args, context, info); the context holds the reply.
  const args = type === 'http' ? [req, res] : [{}, {}, { reply: res }, {}];
  const context = new ExecutionContextHost(args, cls, method);
  context.setType(type);
  return { context: context as ExecutionContext, headers };
}

describe('GqlThrottlerGuard', () => {
  let memory: MemoryThrottlerStorage;
  const guard = async (storage?: ThrottlerStorage) => {
    memory = new MemoryThrottlerStorage();
    const g = new GqlThrottlerGuard({ throttlers }, storage ?? memory, new Reflector());
    await g.onModuleInit();
    return g;
  };
  afterEach(() => memory.close());

  it('sets the X-RateLimit-* headers of the route limit', async () => {
    const g = await guard();
    const { context, headers } = contextFor('plain');
    expect(await g.canActivate(context)).toBe(true);
    expect(headers).toEqual({
      'X-RateLimit-Limit': '3',
      'X-RateLimit-Remaining': '2',
      'X-RateLimit-Reset': '60',
    });
  });

  it('refuses past the route limit with 429 and Retry-After, per tracker', async () => {
    const g = await guard();
    expect(await g.canActivate(contextFor('strict').context)).toBe(true);
    let refused: unknown;
    try {
      await g.canActivate(contextFor('strict').context);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppException);
    expect((refused as AppException).code).toBe('RATE_LIMIT_EXCEEDED');
    expect((refused as AppException).details.headers).toMatchObject({ 'Retry-After': '60' });
    // Another client, and the same client on another route, have their own budgets.
    expect(await g.canActivate(contextFor('strict', '198.51.100.1').context)).toBe(true);
    expect(await g.canActivate(contextFor('plain').context)).toBe(true);
  });

  it('keys an authenticated caller by user id, not IP', async () => {
    const g = await guard();
    const first = contextFor('strict', '203.0.113.1');
    first.req.user = { id: 'u1' };
    expect(await g.canActivate(first.context)).toBe(true);
    const second = contextFor('strict', '203.0.113.2');
    second.req.user = { id: 'u1' };
    await expect(g.canActivate(second.context)).rejects.toBeInstanceOf(AppException);
  });

  it('counts IPv6 clients per /64, IPv4-mapped addresses as IPv4', async () => {
    const g = await guard();
    expect(await g.canActivate(contextFor('strict', '2001:db8:1:2::1').context)).toBe(true);
    // Another address of the same /64 shares the budget...
    await expect(
      g.canActivate(contextFor('strict', '2001:db8:1:2:ffff::9').context),
    ).rejects.toBeInstanceOf(AppException);
    // ...another /64 does not.
    expect(await g.canActivate(contextFor('strict', '2001:db8:1:3::1').context)).toBe(true);
    expect(await g.canActivate(contextFor('strict', '::ffff:192.0.2.1').context)).toBe(true);
    await expect(g.canActivate(contextFor('strict', '192.0.2.1').context)).rejects.toBeInstanceOf(
      AppException,
    );
  });

  it('lets @SkipThrottle routes through without counting', async () => {
    const g = await guard();
    const { context, headers } = contextFor('skipped');
    expect(await g.canActivate(context)).toBe(true);
    expect(headers).toEqual({});
  });

  it('resolves limits given as functions', async () => {
    const g = await guard();
    const result = g.canActivate(contextFor('computed').context);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(true);
    await expect(g.canActivate(contextFor('computed').context)).rejects.toBeInstanceOf(
      AppException,
    );
  });

  it('awaits a store that only counts asynchronously (Redis)', async () => {
    const counts = new Map<string, number>();
    const asyncStore: ThrottlerStorage = {
      async increment(key) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return {
          totalHits: counts.get(key)!,
          timeToExpire: 60,
          isBlocked: false,
          timeToBlockExpire: 0,
        };
      },
    };
    const g = await guard(asyncStore);
    const result = g.canActivate(contextFor('plain').context);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(true);
    expect([...counts.keys()]).toEqual(['Routes.plain:ip:203.0.113.7']);
  });

  it('cuts an overlong tracker so a forged address cannot grow keys', async () => {
    const seen: string[] = [];
    const g = await guard({
      async increment(key) {
        seen.push(key);
        return { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
      },
    });
    await g.canActivate(contextFor('plain', 'x'.repeat(5000)).context);
    expect(seen[0].length).toBeLessThanOrEqual('Routes.plain:'.length + 100);
  });
  it('shares a named limit between a REST route and its GraphQL twin (one bucket)', async () => {
    const g = await guard();
    expect(await g.canActivate(twinContext(LoginController, 'login', 'http').context)).toBe(true);
    await expect(
      g.canActivate(twinContext(LoginResolver, 'login', 'graphql').context),
    ).rejects.toBeInstanceOf(AppException);
    // `bucket` joins twins whose method names differ...
    expect(await g.canActivate(twinContext(LoginResolver, 'refreshToken', 'graphql').context)).toBe(
      true,
    );
    await expect(
      g.canActivate(twinContext(LoginController, 'refresh', 'http').context),
    ).rejects.toBeInstanceOf(AppException);
    // ...and another route keeps its own budget.
    expect(await g.canActivate(twinContext(LoginResolver, 'unrelated', 'graphql').context)).toBe(
      true,
    );
  });

  it('on GraphQL leaves `default` to the transport (counted per request) and sets no headers', async () => {
    const g = await guard();
    for (let i = 0; i < 5; i++) {
      const { context, headers } = twinContext(LoginResolver, 'plain', 'graphql');
      expect(await g.canActivate(context)).toBe(true);
      expect(headers).toEqual({});
    }
    // A named limit still counts, but the response headers stay the request's.
    const strict = twinContext(LoginResolver, 'unrelated', 'graphql');
    expect(await g.canActivate(strict.context)).toBe(true);
    expect(strict.headers).toEqual({});
  });
});
