import { describe, expect, it, vi } from 'vitest';
import { StatsCache } from './stats-cache.js';

describe('StatsCache', () => {
  it('shares one computation between concurrent callers and within the TTL', async () => {
    let now = 0;
    const cache = new StatsCache(60_000, () => now);
    const compute = vi.fn(() => Promise.resolve(42));
    const [a, b] = await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
    now = 59_999;
    await cache.get('k', compute);
    expect([a, b]).toEqual([42, 42]);
    expect(compute).toHaveBeenCalledTimes(1);
    now = 60_000;
    await cache.get('k', compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('keeps keys apart and does not keep a failure', async () => {
    const cache = new StatsCache(60_000, () => 0);
    await expect(cache.get('bad', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(cache.get('bad', () => Promise.resolve('ok'))).resolves.toBe('ok');
    await expect(cache.get('other', () => Promise.resolve('other'))).resolves.toBe('other');
  });

  it('computes every time with a TTL of 0', async () => {
    const cache = new StatsCache(0);
    const compute = vi.fn(() => Promise.resolve(1));
    await cache.get('k', compute);
    await cache.get('k', compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });
});
