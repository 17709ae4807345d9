import DataLoader from 'dataloader';

/**
 * The GraphQL context as a field resolver receives it. Field resolvers that read only their
 * parent (a relation, a derived link) take GraphQL's own arguments `(parent, args, context)`
 * with no parameter decorators: Nest then registers the method itself as the resolver, instead
 * of wrapping every call in its execution context (param factories, pipes, the global
 * validation pipe for `@Parent()`; about 15 promises per call, 20 calls per page of 20). Field
 * resolvers run no guards either way (`fieldResolverEnhancers` is not set); one that needs
 * validated `@Args` keeps the decorators. `graphql.e2e-spec.ts` checks which fields take the
 * plain path.
 */
export type GraphqlFieldContext = object;

// One set of loaders per GraphQL request: the context object lives exactly as long.
const perRequest = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/**
 * The request's DataLoader named `name`: the `load(key)` calls of every field resolver in one
 * tick become a single `batch(keys)` (one query for a relation over a whole list, not one per
 * item), and a key loaded twice in the request is fetched once. `batch` answers in key order,
 * `null` for a key with nothing behind it. Use it from a `@ResolveField` with the
 * context it is called with.
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
