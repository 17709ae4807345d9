import type { ConfigType } from '@nestjs/config';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { resilienceConfig } from '../../config/resilience.config.js';
import { isDependencyUnavailable } from '../errors/normalize-error.js';
import { DependencyPolicies } from './dependency-policies.js';

const config = (overrides: Partial<ConfigType<typeof resilienceConfig>> = {}) =>
  ({
    breakerFailures: 3,
    breakerHalfOpenMs: 40,
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 4,
    smtpTimeoutMs: 1000,
    smtpConcurrency: 1,
    ...overrides,
  }) as ConfigType<typeof resilienceConfig>;

const options = { timeoutMs: 1000, concurrency: 10, queue: 10 };
const fail = () => Promise.reject(new Error('down'));
const gauge = async (dependency: string) =>
  (await register.getSingleMetric('circuit_breaker_state')!.get()).values.find(
    (v) => v.labels.dependency === dependency,
  )?.value;

describe('DependencyPolicies', () => {
  it('opens after N consecutive failures, then refuses without calling', async () => {
    const policies = new DependencyPolicies(config());
    const policy = policies.for('dep-open', options);
    for (let i = 0; i < 3; i++) await expect(policy.execute(fail)).rejects.toThrow('down');
    expect(policies.states()['dep-open']).toBe('open');
    expect(await gauge('dep-open')).toBe(2);
    let called = false;
    const refused = policy.execute(async () => {
      called = true;
    });
    await expect(refused).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(called).toBe(false);
  });

  it('lets a trial call through after the half-open delay and closes on success', async () => {
    const policies = new DependencyPolicies(config());
    const policy = policies.for('dep-recover', options);
    for (let i = 0; i < 3; i++) await expect(policy.execute(fail)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(policy.execute(async () => 'ok')).resolves.toBe('ok');
    expect(policies.states()['dep-recover']).toBe('closed');
    expect(await gauge('dep-recover')).toBe(0);
  });

  it('counts only consecutive failures', async () => {
    const policies = new DependencyPolicies(config());
    const policy = policies.for('dep-flaky', options);
    for (let i = 0; i < 5; i++) {
      await expect(policy.execute(fail)).rejects.toThrow();
      await policy.execute(async () => 'ok');
    }
    expect(policies.states()['dep-flaky']).toBe('closed');
  });

  it('bounds each call with a timeout', async () => {
    const policy = new DependencyPolicies(config()).for('dep-slow', { ...options, timeoutMs: 20 });
    const never = policy.execute(() => new Promise(() => undefined));
    await expect(never).rejects.toBeInstanceOf(TaskCancelledError);
  });

  it('refuses calls beyond the bulkhead', async () => {
    const policy = new DependencyPolicies(config()).for('dep-busy', {
      ...options,
      concurrency: 1,
      queue: 1,
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = policy.execute(() => gate);
    const second = policy.execute(() => gate);
    await expect(policy.execute(() => gate)).rejects.toBeInstanceOf(BulkheadRejectedError);
    release();
    await Promise.all([first, second]);
  });

  it('retries idempotent calls with backoff, up to the limit', async () => {
    const policy = new DependencyPolicies(config({ breakerFailures: 100 })).for('dep-retry', {
      ...options,
      retries: 2,
    });
    let attempts = 0;
    const result = await policy.execute(async () => {
      attempts++;
      if (attempts < 3) throw new Error('blip');
      return 'done';
    });
    expect(result).toBe('done');
    expect(attempts).toBe(3);
  });

  it('returns one policy per dependency', () => {
    const policies = new DependencyPolicies(config());
    expect(policies.for('dep-same', options)).toBe(policies.for('dep-same', options));
  });

  it('maps its refusals to "dependency unavailable" (503)', () => {
    expect(isDependencyUnavailable(new BrokenCircuitError())).toBe(true);
    expect(isDependencyUnavailable(new BulkheadRejectedError(1, 1))).toBe(true);
    expect(isDependencyUnavailable(new TaskCancelledError())).toBe(true);
    expect(isDependencyUnavailable(new Error('a bug'))).toBe(false);
  });
});
