type Values = Record<string, unknown>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The keys whose values differ between two snapshots, with their old and new values. A key
 * missing on one side is recorded as null there.
 */
export function changedValues(before: Values, after: Values): { old: Values; new: Values } {
  const old: Values = {};
  const next: Values = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (same(before[key], after[key])) continue;
    old[key] = before[key] ?? null;
    next[key] = after[key] ?? null;
  }
  return { old, new: next };
}
