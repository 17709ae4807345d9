import { describe, expect, it } from 'vitest';
import { p95Ms, routeGroupOf } from './http-metrics.js';

describe('routeGroupOf', () => {
  it('groups by the first segment after /api/v1, GraphQL apart, anything else as other', () => {
    expect(routeGroupOf('/api/v1/files/:id/content')).toBe('files');
    expect(routeGroupOf('/api/v1/stats')).toBe('stats');
    expect(routeGroupOf('/graphql')).toBe('graphql');
    expect(routeGroupOf('/health')).toBe('other');
    expect(routeGroupOf('unmatched')).toBe('other');
  });
});

describe('p95Ms', () => {
  it('is 0 without observations', () => {
    expect(
      p95Ms([
        { le: 0.1, count: 0 },
        { le: Infinity, count: 0 },
      ]),
    ).toBe(0);
  });

  it('interpolates inside the bucket holding the 95th observation', () => {
    // 100 observations: 90 under 10 ms, 10 between 10 and 50 ms -> rank 95 is half-way.
    const buckets = [
      { le: 0.01, count: 90 },
      { le: 0.05, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(p95Ms(buckets)).toBe(30);
  });

  it('answers the largest finite bound when the 95th observation is beyond it', () => {
    const buckets = [
      { le: 0.01, count: 1 },
      { le: 10, count: 2 },
      { le: Infinity, count: 100 },
    ];
    expect(p95Ms(buckets)).toBe(10_000);
  });
});
