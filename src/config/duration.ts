const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses `100/1m` into a limit and a window in milliseconds. */
export function parseRateLimit(value: string): { limit: number; ttl: number } {
  const match = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(value);
  if (!match) throw new Error(`Invalid rate limit "${value}"`);
  const [, limit, amount, unit] = match;
  return { limit: Number(limit), ttl: Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS] };
}
