export interface CommaListOptions {
  /**
   * Keep the empty entries (`a,,b` → `['a', '', 'b']`), for a caller that reports them as an
   * error rather than ignoring them. An empty or missing value is still `[]`.
   */
  keepEmpty?: boolean;
}

/**
 * The entries of a comma-separated variable: split on ",", each trimmed, the empty ones
 * dropped (`' a, ,b ,'` → `['a', 'b']`). Missing or blank is `[]`.
 */
export function commaList(value: string | undefined, options: CommaListOptions = {}): string[] {
  if (value === undefined || value.trim() === '') return [];
  const entries = value.split(',').map((entry) => entry.trim());
  return options.keepEmpty ? entries : entries.filter(Boolean);
}
