export interface RetentionPolicy {
  daily: number;
  weekly: number;
}

const DAY_MS = 86_400_000;

const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** Monday of the UTC ISO week holding `at`. */
function weekOf(at: Date): string {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return dayOf(new Date(midnight - sinceMonday * DAY_MS));
}

/**
 * The backups to keep: the newest of each of the `daily` most recent days that have one, and
 * the newest of each of the `weekly` most recent weeks. A backup may count for both. The
 * newest backup is always kept.
 */
export function backupsToKeep(times: readonly Date[], policy: RetentionPolicy): Set<number> {
  const newestFirst = [...times].sort((a, b) => b.getTime() - a.getTime());
  const keep = new Set<number>();
  const pick = (bucketOf: (at: Date) => string, count: number): void => {
    const seen = new Set<string>();
    for (const at of newestFirst) {
      if (seen.size >= count) break;
      const bucket = bucketOf(at);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep.add(at.getTime());
    }
  };
  pick(dayOf, Math.max(1, policy.daily));
  pick(weekOf, policy.weekly);
  return keep;
}
