import DataLoader from 'dataloader';

// One set of loaders per GraphQL request: the context object lives exactly as long.
const perRequest = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/**
 * The request's DataLoader named `name`: the `load(key)` calls of every field resolver in one
 * tick become a single `batch(keys)` (one query for a relation over a whole list, not one per
 * item), and a key loaded twice in the request is fetched once. `batch` answers in key order,
 * `null` for a key with nothing behind it. Use it from a `@ResolveField` with `@Context()`.
 */
export function loaderFor<K, V>(
  context: object,
  name: string,
  batch: (keys: readonly K[]) => Promise<Array<V | null>>,
): DataLoader<K, V | null> {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = new Map();
    perRequest.set(context, loaders);
  }
  let loader = loaders.get(name) as DataLoader<K, V | null> | undefined;
  if (!loader) {
    // At most 1000 keys per batch: one `= ANY($1)` query stays small.
    loader = new DataLoader<K, V | null>(batch, { maxBatchSize: 1000 });
    loaders.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}
