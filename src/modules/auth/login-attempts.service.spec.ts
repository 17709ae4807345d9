import type { ConfigType } from '@nestjs/config';
import type { Counter } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { authConfig } from '../../config/auth.config.js';
import { AppException } from '../../core/errors/app.exception.js';
import { MemoryLockoutStore } from '../../core/rate-limit/lockout/memory-lockout.store.js';
import { LoginAttemptsService } from './login-attempts.service.js';

describe('LoginAttemptsService', () => {
  let store: MemoryLockoutStore;
  let service: LoginAttemptsService;
  const inc = vi.fn();

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    store = new MemoryLockoutStore();
    // The account lock out of the way, but where a test asks for it.
    service = withAccountLimit(1000);
  });
  const withAccountLimit = (accountLoginMaxFailures: number) =>
    new LoginAttemptsService(
      store,
      {
        loginMaxFailures: 3,
        loginFailureWindowSeconds: 60,
        accountLoginMaxFailures,
        accountLoginWindowSeconds: 900,
        accountLoginLockSeconds: 600,
      } as ConfigType<typeof authConfig>,
      { inc } as unknown as Counter<'result'>,
    );
  afterEach(() => {
    store.close();
    vi.useRealTimers();
  });

  /** Seconds until the lock ends, or 0 when not locked. */
  const lockedFor = async (email = 'ada@example.com', ip = '10.0.0.1'): Promise<number> => {
    try {
      await service.assertNotLocked(email, ip);
      return 0;
    } catch (error) {
      expect(error).toBeInstanceOf(AppException);
      return Number((error as AppException).details.headers?.['Retry-After']);
    }
  };
  const fail = async (times: number, email = 'ada@example.com', ip = '10.0.0.1') => {
    for (let i = 0; i < times; i += 1) await service.recordFailure(email, ip);
  };

  it('locks after the limit and doubles the lock while failures continue, up to 1 h', async () => {
    const expected = [60, 120, 240, 480, 960, 1920, 3600, 3600];
    for (const seconds of expected) {
      await fail(2);
      expect(await lockedFor()).toBe(0);
      await fail(1);
      expect(await lockedFor()).toBe(seconds);
      vi.advanceTimersByTime(seconds * 1000 - 1000);
      expect(await lockedFor()).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(await lockedFor()).toBe(0);
    }
    expect(inc).toHaveBeenCalledWith({ result: 'locked' });
  });

  it('forgets failures outside the window and after a success', async () => {
    await fail(2);
    vi.advanceTimersByTime(60_000);
    await fail(2);
    expect(await lockedFor()).toBe(0);
    await service.recordSuccess('ada@example.com', '10.0.0.1');
    await fail(2);
    expect(await lockedFor()).toBe(0);
    await fail(1);
    expect(await lockedFor()).toBe(60);
  });

  it('keys by email (case-insensitively) and IP', async () => {
    await fail(3, 'Ada@Example.com', '10.0.0.1');
    expect(await lockedFor('ada@example.com', '10.0.0.1')).toBe(60);
    expect(await lockedFor('ada@example.com', '10.0.0.2')).toBe(0);
    expect(await lockedFor('bob@example.com', '10.0.0.1')).toBe(0);
  });

  it('locks the account across IPs on its 5th failure within the window, for the lock time', async () => {
    service = withAccountLimit(5);
    for (let i = 1; i <= 4; i += 1) await service.recordFailure('Ada@example.com', `10.0.1.${i}`);
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(0);
    await service.recordFailure('ada@example.com', '10.0.1.5');
    // Every IP, even one that never failed; other accounts keep their budget.
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(600);
    expect(await lockedFor('bob@example.com', '10.0.1.1')).toBe(0);
    vi.advanceTimersByTime(600_000);
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(0);
  });

  it('forgets account failures outside the window and after a success', async () => {
    service = withAccountLimit(5);
    for (let i = 1; i <= 4; i += 1) await service.recordFailure('ada@example.com', `10.0.2.${i}`);
    vi.advanceTimersByTime(900_000);
    for (let i = 1; i <= 4; i += 1) await service.recordFailure('ada@example.com', `10.0.3.${i}`);
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(0);
    await service.recordSuccess('ada@example.com', '10.0.9.9');
    for (let i = 1; i <= 4; i += 1) await service.recordFailure('ada@example.com', `10.0.4.${i}`);
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(0);
    await service.recordFailure('ada@example.com', '10.0.4.5');
    expect(await lockedFor('ada@example.com', '10.0.9.9')).toBe(600);
  });
});
