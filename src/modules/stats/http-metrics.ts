/** Route group of a route template: the first segment after /api/v1, 'graphql' or 'other'. */
export function routeGroupOf(route: string): string {
  if (route === '/graphql' || route.startsWith('/graphql/')) return 'graphql';
  const match = /^\/api\/v1\/([A-Za-z0-9_-]+)/.exec(route);
  return match ? match[1] : 'other';
}

export const statusClassOf = (status: string): string => `${status.slice(0, 1)}xx`;

/**
 * The 95th percentile in ms from cumulative histogram buckets (upper bound in seconds, count),
 * interpolated within its bucket as Prometheus' histogram_quantile does; past the largest
 * finite bound, that bound.
 */
export function p95Ms(buckets: Array<{ le: number; count: number }>, quantile = 0.95): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return 0;
  const rank = quantile * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return round(lower * 1000);
      const inBucket = count - below;
      const share = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return round((lower + (le - lower) * share) * 1000);
    }
    lower = Number.isFinite(le) ? le : lower;
    below = count;
  }
  return round(lower * 1000);
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** '+Inf' or a number, as prom-client labels and our stored series write it. */
export const parseLe = (le: string): number => (le === '+Inf' ? Infinity : Number(le));
