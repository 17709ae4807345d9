const MAX_DISTINCT = 200;
const VALID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const seen = new Set<string>();

/** A metric label for a client-chosen operation name, with bounded cardinality. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!VALID.test(name)) return 'invalid';
  if (seen.has(name)) return name;
  if (seen.size >= MAX_DISTINCT) return 'other';
  seen.add(name);
  return name;
}
